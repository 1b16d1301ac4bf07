/**
 * The chaos run's producers: a seeded events file played at a steady rate, the users of some
 * partitions through the HTTP collector and the rest straight to Kafka, each path in order and
 * one request or send at a time. A line is written to the accepted file once Kafka acknowledged
 * it (the producer's delivery report, or the collector's 202 naming it accepted or a duplicate):
 * that file is the truth the end state is checked against. Refusals and timeouts are retried
 * with backoff, as any well-behaved producer does.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { KafkaProducer } from "../../core/eventlog/kafka-producer.ts";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import { PARTITIONS } from "../../stream/testing/harness.ts";

interface Line {
  index: number;
  text: string;
  topic: string;
  key: string;
  value: string;
}

export interface FeederOptions {
  eventsFile: string;
  acceptedFile: string;
  ratePerSecond: number;
  producer: KafkaProducer;
  collectorUrl: string;
  apiKey: string;
  /** Partitions whose users' events go through the collector. */
  collectorPartitions: ReadonlySet<number>;
}

export interface PathStats {
  accepted: number;
  /** Requests or sends that failed and were sent again. */
  retries: number;
  /** Events the collector answered as already seen (a retry of an acknowledged request). */
  duplicates: number;
  /** Event answers other than accepted/duplicate: must stay 0 for a valid dataset. */
  refused: string[];
  lastAck: number;
  /** When each request or send was acknowledged (for recovery times). */
  acks: number[];
}

const BATCH = 500;
const QUEUE_CAP = 200_000;

class PathQueue {
  items: Line[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  take(n: number): Line[] {
    const out = this.items.slice(this.head, this.head + n);
    this.head += out.length;
    if (this.head > 50_000) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
  /** The index of the oldest line not yet taken, or undefined when empty. */
  peekIndex(): number | undefined {
    return this.items[this.head]?.index;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Feeder {
  readonly direct: PathStats = { accepted: 0, retries: 0, duplicates: 0, refused: [], lastAck: 0, acks: [] };
  readonly collector: PathStats = {
    accepted: 0,
    retries: 0,
    duplicates: 0,
    refused: [],
    lastAck: 0,
    acks: [],
  };
  private readonly queues = { direct: new PathQueue(), collector: new PathQueue() };
  /** Per path, the index of the oldest line sent but not yet acknowledged. */
  private readonly inFlight: { direct?: number; collector?: number } = {};
  private read = 0;
  private readDone = false;
  /** When the last line was offered to the senders (epoch ms); acknowledgements may come later. */
  offeredAllAt: number | undefined;
  private stopped = false;
  private readonly out;

  constructor(private readonly o: FeederOptions) {
    this.out = createWriteStream(o.acceptedFile);
  }

  /** Every line before this index has been acknowledged. */
  ackedPrefix(): number {
    let lowest = this.read;
    for (const path of ["direct", "collector"] as const) {
      const waiting = this.inFlight[path] ?? this.queues[path].peekIndex();
      if (waiting !== undefined) lowest = Math.min(lowest, waiting);
    }
    return lowest;
  }

  get finished(): boolean {
    return this.readDone && this.ackedPrefix() === this.read;
  }

  /** Plays the whole file; resolves when every line is acknowledged. */
  async run(): Promise<void> {
    await Promise.all([this.readLines(), this.drain("direct"), this.drain("collector")]);
    await new Promise<void>((resolve) => this.out.end(resolve));
  }

  stop(): void {
    this.stopped = true;
  }

  private async readLines(): Promise<void> {
    const started = Date.now();
    const lines = createInterface({ input: createReadStream(this.o.eventsFile), crlfDelay: Infinity });
    for await (const text of lines) {
      if (!text || this.stopped) continue;
      const e = JSON.parse(text) as { topic: string; key: string; value: unknown };
      const path = this.o.collectorPartitions.has(partitionFor(e.key, PARTITIONS)) ? "collector" : "direct";
      this.queues[path].items.push({
        index: this.read++,
        text,
        topic: e.topic,
        key: e.key,
        value: JSON.stringify(e.value),
      });
      const ahead = this.read - ((Date.now() - started) / 1000) * this.o.ratePerSecond;
      if (ahead > 0) await sleep((ahead / this.o.ratePerSecond) * 1000);
      while (this.queues.direct.size + this.queues.collector.size > QUEUE_CAP) await sleep(50);
    }
    this.offeredAllAt = Date.now();
    this.readDone = true;
  }

  private async drain(path: "direct" | "collector"): Promise<void> {
    const queue = this.queues[path];
    const stats = this[path];
    while (!(this.readDone && queue.size === 0)) {
      if (queue.size === 0) {
        await sleep(20);
        continue;
      }
      const batch = queue.take(BATCH);
      this.inFlight[path] = batch[0]!.index;
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) {
          stats.retries++;
          await sleep(Math.min(200 * 2 ** attempt, 3000));
        }
        const sent = path === "direct" ? await this.sendDirect(batch) : await this.sendCollector(batch);
        if (sent) break;
      }
      stats.lastAck = Date.now();
      stats.acks.push(stats.lastAck);
      this.inFlight[path] = undefined;
      for (const l of batch) this.out.write(`${l.text}\n`);
    }
  }

  private async sendDirect(batch: Line[]): Promise<boolean> {
    try {
      await this.o.producer.send(
        batch.map((l) => ({ topic: l.topic, key: l.key, value: Buffer.from(l.value) })),
      );
      this.direct.accepted += batch.length;
      return true;
    } catch {
      return false;
    }
  }

  private async sendCollector(batch: Line[]): Promise<boolean> {
    const body = batch.map((l) => `{"topic":"${l.topic}","value":${l.value}}`).join("\n");
    try {
      const res = await fetch(this.o.collectorUrl, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", "x-api-key": this.o.apiKey },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      if (res.status === 400) {
        // A valid dataset is never refused: recorded, and the run fails on it.
        this.collector.refused.push(`HTTP 400: ${(await res.text()).slice(0, 300)}`);
        return true;
      }
      if (res.status !== 202) {
        await res.body?.cancel();
        return false;
      }
      const { results } = (await res.json()) as { results: { status: string; reason?: string }[] };
      for (const r of results) {
        if (r.status === "accepted") this.collector.accepted++;
        else if (r.status === "duplicate") this.collector.duplicates++;
        else this.collector.refused.push(`${r.status}: ${r.reason ?? ""}`);
      }
      return true;
    } catch {
      return false;
    }
  }
}
