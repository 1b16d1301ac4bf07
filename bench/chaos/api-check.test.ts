import { describe, expect, it } from "vitest";
import { checkApi } from "./verify.ts";

const at = (s: number) => 1_000_000 + s * 1000;
const answer = (s: number, status: number, route = "/v1/realtime/funnel") => ({
  at: at(s),
  route,
  status,
  ms: 5,
});

describe("the chaos run's API check", () => {
  const faults = [
    { name: "stop postgres", kind: "server-stop", startedAt: at(10), liftedAt: at(40) },
    { name: "kill api", kind: "kill", startedAt: at(100), liftedAt: at(100) },
  ];
  const firstPublish = at(200);

  it("allows 503 only while a store was down (and 20 s after), no answer while the API was down", () => {
    const r = checkApi(
      [answer(5, 200), answer(20, 503), answer(59, 503), answer(61, 503), answer(100, 0)],
      faults,
      firstPublish,
      at(0),
    );
    expect(r.unexpected).toEqual(["503 /v1/realtime/funnel at +61 s"]);
    expect(r.byStatus).toEqual({
      "200 /v1/realtime/funnel": 1,
      "503 /v1/realtime/funnel": 3,
      "0 /v1/realtime/funnel": 1,
    });
  });

  it("allows a warehouse 404 only before the first publish, and never a 500 or a 429", () => {
    const r = checkApi(
      [
        answer(150, 404, "/v1/warehouse/daily-sales"),
        answer(250, 404, "/v1/warehouse/daily-sales"),
        answer(150, 404, "/v1/realtime/funnel"),
        answer(20, 500),
        answer(300, 429),
      ],
      faults,
      firstPublish,
      at(0),
    );
    expect(r.unexpected).toEqual([
      "404 /v1/warehouse/daily-sales at +250 s",
      "404 /v1/realtime/funnel at +150 s",
      "500 /v1/realtime/funnel at +20 s",
      "429 /v1/realtime/funnel at +300 s",
    ]);
  });

  it("splits latency of answered requests into during and outside faults", () => {
    const r = checkApi([answer(20, 200), answer(70, 200), answer(80, 200)], faults, firstPublish, at(0));
    expect(r.during.n).toBe(1);
    expect(r.outside.n).toBe(2);
  });
});
