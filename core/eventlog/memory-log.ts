/**
 * The in-process log of the embedded default (SPEC section 2): topics of numbered partitions
 * holding records at offsets, consumer groups with committed offsets, and members that get
 * partition N of every topic together (the range assignment Kafka gives co-partitioned
 * topics). Same murmur2 partitioner as the Kafka producer, so a key lands in the same
 * partition number either way. In memory only, or (`MemoryLog.persistent`) with a journal
 * file that brings records and committed offsets back after a restart (journal.ts).
 */
import { FencedError } from "../errors.ts";
import { Journal, type JournalEntry } from "./journal.ts";
import { partitionOf } from "./partitioner.ts";
import type {
  ConsumedRecord,
  LogConsumer,
  LogProducer,
  LogRecord,
  PartitionOffset,
  RebalanceHandlers,
  TopicPartition,
} from "./port.ts";

interface Stored {
  key: Buffer;
  value: Buffer;
  timestamp: number;
}

interface Group {
  committed: Map<string, number>;
  members: MemoryConsumer[];
  /** Rebalances run one at a time. */
  rebalancing: Promise<void>;
}

const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

export class MemoryLog implements LogProducer {
  private readonly topics = new Map<string, Stored[][]>();
  private readonly groups = new Map<string, Group>();
  private readonly waiters = new Set<() => void>();
  private journal: Journal | undefined;

  constructor(
    readonly defaultPartitions = 6,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A log whose records and group commits live in a journal file at `path`, reloaded here. */
  static persistent(path: string, defaultPartitions = 6, clock: () => number = Date.now): MemoryLog {
    const log = new MemoryLog(defaultPartitions, clock);
    log.journal = Journal.open(path, (entry: JournalEntry) => {
      if (entry.kind === "commit")
        log.groupOf(entry.group).committed.set(tpKey(entry.topic, entry.partition), entry.offset);
      else {
        const partitions = log.partitionsOf(entry.topic);
        while (partitions.length <= entry.partition) partitions.push([]);
        partitions[entry.partition]!.push({ key: entry.key, value: entry.value, timestamp: entry.timestamp });
      }
    });
    return log;
  }

  /** Records of every topic, all partitions together. */
  get size(): number {
    let n = 0;
    for (const partitions of this.topics.values()) for (const p of partitions) n += p.length;
    return n;
  }

  /** Writes what the journal holds; before any record is read or acknowledged. */
  persist(): void {
    this.journal?.flush();
  }

  /** A group's commit, journaled at once (commits are few). */
  recordCommit(group: string, g: Group, topic: string, partition: number, offset: number): void {
    g.committed.set(tpKey(topic, partition), offset);
    if (this.journal) {
      this.journal.append({ kind: "commit", group, topic, partition, offset });
      this.journal.flush();
    }
  }

  createTopic(topic: string, partitions = this.defaultPartitions): void {
    if (!this.topics.has(topic))
      this.topics.set(
        topic,
        Array.from({ length: partitions }, () => []),
      );
  }

  partitionsOf(topic: string): Stored[][] {
    this.createTopic(topic);
    return this.topics.get(topic)!;
  }

  /** The next offset of a partition (Kafka's high watermark). */
  endOffset(topic: string, partition: number): number {
    return this.partitionsOf(topic)[partition]?.length ?? 0;
  }

  // ----------------------------------------------------------------- producer port

  async send(records: readonly LogRecord[]): Promise<void> {
    for (const r of records) this.enqueue(r);
    this.persist();
  }

  enqueue(record: LogRecord): boolean {
    const partitions = this.partitionsOf(record.topic);
    const key = Buffer.from(record.key);
    const partition = partitionOf(record, partitions.length);
    const timestamp = this.clock();
    partitions[partition]!.push({ key, value: record.value, timestamp });
    this.journal?.append({
      kind: "record",
      topic: record.topic,
      partition,
      timestamp,
      key,
      value: record.value,
    });
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    return true;
  }

  async waitForRoom(): Promise<void> {}
  async flush(): Promise<void> {
    this.persist();
  }
  async close(): Promise<void> {
    this.journal?.close();
    this.journal = undefined;
  }

  // ----------------------------------------------------------------- consumer groups

  /** Joins `group`; the members' partitions are rebalanced before this resolves. */
  async join(group: string, topics: readonly string[], handlers: RebalanceHandlers): Promise<LogConsumer> {
    const g = this.groupOf(group);
    const member = new MemoryConsumer(this, group, g, topics, handlers);
    g.members.push(member);
    await this.rebalance(g);
    return member;
  }

  groupOf(name: string): Group {
    let g = this.groups.get(name);
    if (!g)
      this.groups.set(name, (g = { committed: new Map(), members: [], rebalancing: Promise.resolve() }));
    return g;
  }

  /** Resolves when a record arrives or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Range assignment: partition N of every topic to the same member, members in join order. */
  rebalance(g: Group): Promise<void> {
    g.rebalancing = g.rebalancing.then(async () => {
      const members = g.members;
      for (const m of members) await m.revokeAll();
      if (members.length === 0) return;
      const count = Math.max(...members[0]!.topics.map((t) => this.partitionsOf(t).length));
      const per = Math.floor(count / members.length);
      const extra = count % members.length;
      let next = 0;
      for (let i = 0; i < members.length; i++) {
        const n = per + (i < extra ? 1 : 0);
        const parts: TopicPartition[] = [];
        for (let p = next; p < next + n; p++)
          for (const topic of members[i]!.topics) parts.push({ topic, partition: p });
        next += n;
        await members[i]!.assign(parts);
      }
    });
    return g.rebalancing;
  }
}

class MemoryConsumer implements LogConsumer {
  /** Owned partition -> next offset to deliver. */
  private readonly positions = new Map<string, TopicPartition & { offset: number }>();
  private closed = false;

  constructor(
    private readonly log: MemoryLog,
    private readonly groupName: string,
    private readonly group: Group,
    readonly topics: readonly string[],
    private readonly handlers: RebalanceHandlers,
  ) {}

  async assign(parts: TopicPartition[]): Promise<void> {
    const starts = (await this.handlers.onAssigned(parts)) ?? [];
    const startOf = new Map(starts.map((s) => [tpKey(s.topic, s.partition), s.offset]));
    for (const p of parts) {
      const k = tpKey(p.topic, p.partition);
      const start = startOf.get(k);
      const offset = start === undefined ? (this.group.committed.get(k) ?? 0) : Math.max(0, start);
      this.positions.set(k, { ...p, offset });
    }
  }

  async revokeAll(): Promise<void> {
    if (this.positions.size === 0) return;
    const parts = [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
    await this.handlers.onRevoked(parts);
    this.positions.clear();
  }

  async poll(max: number): Promise<ConsumedRecord[]> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.log.persist(); // nothing is processed that the journal could still lose
      const out: ConsumedRecord[] = [];
      // Round robin over partitions, a slice each, like a fetch across partitions.
      const slice = Math.max(1, Math.ceil(max / Math.max(1, this.positions.size)));
      for (const pos of this.positions.values()) {
        const stored = this.log.partitionsOf(pos.topic)[pos.partition]!;
        const end = Math.min(stored.length, pos.offset + slice, pos.offset + (max - out.length));
        for (let o = pos.offset; o < end; o++) {
          const s = stored[o]!;
          out.push({
            topic: pos.topic,
            partition: pos.partition,
            offset: o,
            timestamp: s.timestamp,
            key: s.key,
            value: s.value,
          });
        }
        pos.offset = Math.max(pos.offset, end);
        if (out.length >= max) break;
      }
      if (out.length > 0 || this.closed) return out;
      await this.log.wait(100);
    }
    return [];
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    for (const o of offsets) {
      const k = tpKey(o.topic, o.partition);
      if (!this.positions.has(k)) throw new FencedError(`no longer owns ${k}`);
      this.log.recordCommit(this.groupName, this.group, o.topic, o.partition, o.offset);
    }
  }

  async committed(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return partitions.map((p) => ({
      ...p,
      offset: this.group.committed.get(tpKey(p.topic, p.partition)) ?? -1,
    }));
  }

  owned(): TopicPartition[] {
    return [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  async endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return partitions.map((p) => ({ ...p, offset: this.log.endOffset(p.topic, p.partition) }));
  }

  lag(): Map<string, number> {
    const lag = new Map<string, number>();
    for (const p of this.positions.values())
      lag.set(p.topic, (lag.get(p.topic) ?? 0) + this.log.endOffset(p.topic, p.partition) - p.offset);
    return lag;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const i = this.group.members.indexOf(this);
    if (i >= 0) this.group.members.splice(i, 1);
    await this.revokeAll();
    await this.log.rebalance(this.group);
  }
}
