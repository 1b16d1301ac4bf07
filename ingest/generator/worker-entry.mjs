// Worker threads do not inherit the parent's module hooks: register tsx, then load the worker.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
