/**
 * A binary min-heap of events by (time, insertion order). The generator pushes and pops one
 * per event, so this is kept small and allocation-free; the insertion order makes ties
 * deterministic, which byte-identical output depends on.
 */
import type { GeneratedEvent } from "./event.ts";

export class EventHeap {
  private events: GeneratedEvent[] = [];
  private seqs: number[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.events.length;
  }

  peekTime(): number {
    return this.events.length === 0 ? Infinity : this.events[0]!.at;
  }

  push(event: GeneratedEvent): void {
    const events = this.events;
    const seqs = this.seqs;
    const seq = this.nextSeq++;
    let i = events.length;
    events.push(event);
    seqs.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(event.at, seq, events[parent]!.at, seqs[parent]!)) break;
      events[i] = events[parent]!;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    events[i] = event;
    seqs[i] = seq;
  }

  pop(): GeneratedEvent | undefined {
    const events = this.events;
    const seqs = this.seqs;
    if (events.length === 0) return undefined;
    const top = events[0]!;
    const last = events.pop()!;
    const lastSeq = seqs.pop()!;
    const n = events.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child =
          right < n && this.less(events[right]!.at, seqs[right]!, events[left]!.at, seqs[left]!)
            ? right
            : left;
        if (!this.less(events[child]!.at, seqs[child]!, last.at, lastSeq)) break;
        events[i] = events[child]!;
        seqs[i] = seqs[child]!;
        i = child;
      }
      events[i] = last;
      seqs[i] = lastSeq;
    }
    return top;
  }

  private less(at1: number, seq1: number, at2: number, seq2: number): boolean {
    return at1 < at2 || (at1 === at2 && seq1 < seq2);
  }
}
