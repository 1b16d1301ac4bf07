/**
 * The in-process log's journal: one append-only file under DATA_DIR holding every record and
 * every consumer-group commit, in the order they happened, so the embedded default survives a
 * restart (or a SIGKILL) with the same partitions, offsets and committed positions. Each entry
 * is length-prefixed and checksummed; a torn last entry (the process died mid-write) is cut
 * off on open. Because entries are written in order, what survives is always a prefix of what
 * was produced: a producer that regenerates the same sequence can skip exactly that many.
 *
 * Entries reach the file (the OS's page cache: a killed process loses nothing; a power cut is
 * outside the embedded default's promise) before a consumer can read them or a producer is
 * acknowledged (MemoryLog calls `flush()` first), so nothing downstream ever depends on a
 * record the journal could lose.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";

const RECORD = 1;
const COMMIT = 2;
/** length (4) + crc32 (4) before each entry's body. */
const HEADER = 8;

export type JournalEntry =
  | { kind: "record"; topic: string; partition: number; timestamp: number; key: Buffer; value: Buffer }
  | { kind: "commit"; group: string; topic: string; partition: number; offset: number };

function encode(entry: JournalEntry): Buffer {
  const topic = Buffer.from(entry.topic);
  if (entry.kind === "record") {
    const body = Buffer.allocUnsafe(1 + 2 + topic.length + 4 + 8 + 4 + entry.key.length + entry.value.length);
    let o = body.writeUInt8(RECORD, 0);
    o = body.writeUInt16BE(topic.length, o);
    o += topic.copy(body, o);
    o = body.writeUInt32BE(entry.partition, o);
    o = body.writeDoubleBE(entry.timestamp, o);
    o = body.writeUInt32BE(entry.key.length, o);
    o += entry.key.copy(body, o);
    entry.value.copy(body, o);
    return body;
  }
  const group = Buffer.from(entry.group);
  const body = Buffer.allocUnsafe(1 + 2 + group.length + 2 + topic.length + 4 + 8);
  let o = body.writeUInt8(COMMIT, 0);
  o = body.writeUInt16BE(group.length, o);
  o += group.copy(body, o);
  o = body.writeUInt16BE(topic.length, o);
  o += topic.copy(body, o);
  o = body.writeUInt32BE(entry.partition, o);
  body.writeDoubleBE(entry.offset, o);
  return body;
}

function decode(body: Buffer): JournalEntry {
  let o = 1;
  const text = () => {
    const n = body.readUInt16BE(o);
    const s = body.toString("utf8", o + 2, o + 2 + n);
    o += 2 + n;
    return s;
  };
  if (body[0] === RECORD) {
    const topic = text();
    const partition = body.readUInt32BE(o);
    const timestamp = body.readDoubleBE(o + 4);
    const keyLength = body.readUInt32BE(o + 12);
    o += 16;
    // Copies: the file's buffer is dropped once read.
    const key = Buffer.from(body.subarray(o, o + keyLength));
    const value = Buffer.from(body.subarray(o + keyLength));
    return { kind: "record", topic, partition, timestamp, key, value };
  }
  const group = text();
  const topic = text();
  return { kind: "commit", group, topic, partition: body.readUInt32BE(o), offset: body.readDoubleBE(o + 4) };
}

export class Journal {
  private readonly fd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens (or creates) the journal, cuts a torn tail, and hands every entry to `replay` in order. */
  static open(path: string, replay: (entry: JournalEntry) => void): Journal {
    mkdirSync(dirname(path), { recursive: true });
    let valid = 0;
    if (existsSync(path)) {
      const data = readFileSync(path);
      while (valid + HEADER <= data.length) {
        const length = data.readUInt32BE(valid);
        const end = valid + HEADER + length;
        if (end > data.length) break;
        const body = data.subarray(valid + HEADER, end);
        if (crc32(body) !== data.readUInt32BE(valid + 4)) break;
        replay(decode(body));
        valid = end;
      }
    }
    const fd = openSync(path, existsSync(path) ? "r+" : "w+");
    ftruncateSync(fd, valid); // a torn entry from a crash mid-write
    const journal = new Journal(path, fd);
    journal.position = valid;
    return journal;
  }

  private position = 0;

  append(entry: JournalEntry): void {
    const body = encode(entry);
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32BE(body.length, 0);
    header.writeUInt32BE(crc32(body), 4);
    this.pending.push(header, body);
    this.pendingBytes += HEADER + body.length;
    if (this.pendingBytes > 4 * 1024 * 1024) this.flush();
  }

  /** Writes what is pending, in one call. */
  flush(): void {
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let written = 0;
    while (written < data.length)
      written += writeSync(this.fd, data, written, data.length - written, this.position + written);
    this.position += data.length;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
