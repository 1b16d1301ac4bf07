/**
 * The overview page (dashboards/overview/) at `/`, and the session a browser opens with a key.
 * The page is static; its script reads the same /v1 routes as everyone else, authenticated by
 * the session cookie, so it can show nothing the key could not read.
 */
import { dirname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { Identity } from "../../core/api-keys.ts";
import { LakehouseError } from "../../core/errors.ts";
import { ProblemSchema } from "../problem-schema.ts";
import { SESSION_COOKIE, sessionToken, type SessionSigner } from "../session.ts";
import type { Api } from "./context.ts";

const PAGE_DIR = fileURLToPath(new URL("../../dashboards/overview/", import.meta.url));
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve("uplot/dist/uPlot.iife.min.js"));
const UPLOT_FILES = new Set(["uPlot.iife.min.js", "uPlot.min.css"]);
const PAGE_FILE = /^\/?[\w.-]+\.(js|css|html)$/;

const Session = Type.Object({ name: Type.String(), scopes: Type.Array(Type.String()) });

export async function overviewRoutes(
  app: Api,
  signer: SessionSigner,
  who: (req: FastifyRequest) => Identity | undefined,
): Promise<void> {
  await app.register(fastifyStatic, {
    root: PAGE_DIR,
    prefix: "/assets/",
    index: false,
    wildcard: false, // only the files present at start, no directory walking
    schemaHide: true,
    maxAge: "5m",
    // The page's own files; never its tests or test helpers that live beside it.
    allowedPath: (path) => PAGE_FILE.test(path) && !path.includes(".test."),
  });
  app.get("/assets/vendor/:file", { schema: { hide: true } }, (req, reply) => {
    const { file } = req.params as { file: string };
    if (!UPLOT_FILES.has(file)) throw new LakehouseError("NOT_FOUND", `no asset ${file.slice(0, 100)}`);
    return reply.sendFile(file, UPLOT_DIR, { maxAge: "1d" });
  });

  // The cookie's attributes, the same when it is set and when it is cleared.
  const cookie = (req: FastifyRequest) =>
    ({ path: "/", httpOnly: true, sameSite: "strict", secure: req.protocol === "https" }) as const;
  const describe = (who: Identity) => ({ name: who.name, scopes: [...who.scopes] });

  app.get("/", { schema: { hide: true } }, (req, reply) => {
    if (!signer.verify(sessionToken(req))) {
      // Keep the page's own query (window, refresh) across the sign-in.
      const query = req.url.indexOf("?");
      return reply.redirect(`/login${query < 0 ? "" : req.url.slice(query)}`, 303);
    }
    // Never cached: after signing out, the page must not open from the browser's cache.
    void reply.header("cache-control", "no-store");
    return reply.sendFile("index.html", { cacheControl: false });
  });
  app.get("/login", { schema: { hide: true } }, (_req, reply) => {
    void reply.header("cache-control", "no-store");
    return reply.sendFile("login.html", { cacheControl: false });
  });

  app.post(
    "/v1/session",
    {
      schema: {
        tags: ["session"],
        summary: "Trade an API key for the overview page's session cookie (HttpOnly, 12 h)",
        body: Type.Object(
          { key: Type.String({ minLength: 1, maxLength: 256 }) },
          { additionalProperties: false },
        ),
        response: { 200: Session, 401: ProblemSchema },
      },
    },
    (req, reply) => {
      const session = signer.issue(req.body.key);
      if (!session) throw new LakehouseError("UNAUTHORIZED", "key: not a valid API key");
      void reply.setCookie(SESSION_COOKIE, session.token, { ...cookie(req), maxAge: session.maxAgeSeconds });
      return describe(session.identity);
    },
  );
  app.get(
    "/v1/session",
    {
      schema: {
        tags: ["session"],
        summary: "Who the session cookie (or key) is, and its scopes",
        response: { 200: Session, 401: ProblemSchema },
      },
    },
    (req) => {
      const caller = who(req);
      if (!caller) throw new LakehouseError("UNAUTHORIZED", "no session: sign in with an API key");
      return describe(caller);
    },
  );
  app.delete(
    "/v1/session",
    {
      schema: {
        tags: ["session"],
        summary: "End the session (clears the cookie)",
        response: { 204: Type.Null({ description: "signed out" }) },
      },
    },
    async (req, reply) => {
      await reply.clearCookie(SESSION_COOKIE, cookie(req)).code(204).send(null);
    },
  );
}
