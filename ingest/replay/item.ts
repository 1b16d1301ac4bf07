/** One thing to replay: an event for a topic, or something that failed before it became one. */
export type ReplayItem =
  | { kind: "event"; topic: string; value: unknown; raw: string; at: number | undefined }
  | { kind: "invalid"; topic: string; raw: string | Uint8Array; reason: string }
  | { kind: "skipped"; reason: string };
