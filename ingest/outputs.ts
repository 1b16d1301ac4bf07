/**
 * Where generated events go: files (`--out DIR`, SPEC section 7) or the event log through
 * edge validation. Both apply back-pressure the same way (write() false -> waitForRoom()).
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import type { EventTopic } from "../core/events/topics.ts";
import { labelLine, type AnomalyType } from "./generator/event.ts";
import type { EdgePublisher } from "./edge.ts";

export interface EventOutput {
  /** False means: await waitForRoom() before writing more. */
  write(topic: EventTopic, key: string, value: object, labels?: AnomalyType[]): boolean;
  waitForRoom(): Promise<void>;
  /** Flushes everything written so far and releases the output. */
  close(): Promise<void>;
}

/** An NDJSON file written through a stream with back-pressure. */
export class NdjsonFile {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on("error", (err) => (this.failure = err));
  }

  write(line: string): boolean {
    if (this.failure) throw this.failure;
    return this.stream.write(`${line}\n`);
  }

  async drained(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, "drain");
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, "finish");
    if (this.failure) throw this.failure;
  }
}

export class FileOutput implements EventOutput {
  private readonly events: NdjsonFile;
  private readonly labels: NdjsonFile;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.events = new NdjsonFile(join(dir, "events.ndjson"));
    this.labels = new NdjsonFile(join(dir, "labels.ndjson"));
  }

  write(topic: EventTopic, key: string, value: object, labels?: AnomalyType[]): boolean {
    // Written by hand so the field order is fixed: same seed, same bytes.
    const ok = this.events.write(
      `{"topic":${JSON.stringify(topic)},"key":${JSON.stringify(key)},"value":${JSON.stringify(value)}}`,
    );
    if (labels) writeLabel(this.labels, value, labels);
    return ok;
  }

  async waitForRoom(): Promise<void> {
    await this.events.drained();
    await this.labels.drained();
  }

  async close(): Promise<void> {
    await Promise.all([this.events.close(), this.labels.close()]);
  }
}

function writeLabel(file: NdjsonFile, value: object, labels: AnomalyType[]): void {
  file.write(labelLine(value, labels));
}

export class LogOutput implements EventOutput {
  constructor(
    private readonly edge: EdgePublisher,
    private readonly labels?: NdjsonFile,
  ) {}

  write(topic: EventTopic, _key: string, value: object, labels?: AnomalyType[]): boolean {
    if (labels && this.labels) writeLabel(this.labels, value, labels);
    return this.edge.offer(topic, value).room;
  }

  async waitForRoom(): Promise<void> {
    await this.edge.waitForRoom();
    await this.labels?.drained();
  }

  async close(): Promise<void> {
    await this.edge.flush();
    await this.labels?.close();
  }
}
