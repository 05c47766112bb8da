import type { KeyTally } from './largest-keys-tally.js';
import type { Transport } from './largest-keys-transport.js';

/** What to write next: how many queued keys to size, and whether the next SCAN goes in the same write. */
export interface WritePlan {
  take: number;
  scan: boolean;
}

/**
 * The largest-keys scan's writes: keys SCAN returned wait in a queue, go out in sizing writes of up to `burstSize`
 * keys, and their replies are recorded in the tally. Tracks the writes in flight and the first failure; the pacing
 * (when to write, when to pause, when to stop) is the caller's.
 */
export class SizingPipeline {
  /** Keys SCAN returned that are not sized yet, in SCAN order. */
  private readonly queue: string[] = [];
  private cursor = '0';
  private scanDone = false;
  private scanning = false;
  /** Keys written for sizing whose replies have not arrived yet. */
  private sizing = 0;
  /** The writes whose replies have not all arrived; each settles without rejecting. */
  readonly inFlight = new Set<Promise<void>>();
  /** The first write that failed; the caller stops writing and rethrows it. */
  failure: { err: unknown } | undefined;
  /** Keys sized (counts against `maxKeys`). */
  keysScanned = 0;
  keysVanished = 0;
  /** SCAN calls made. */
  batches = 0;

  constructor(
    private readonly transport: Transport,
    private readonly tally: KeyTally,
    private readonly o: { burstSize: number; inFlight: number; maxKeys: number },
  ) {}

  /** Whether SCAN's cursor has not come back to 0 yet, or keys it returned are still waiting to be sized. */
  get keysLeft(): boolean {
    return this.queue.length > 0 || !this.scanDone;
  }

  /**
   * What to write next, or undefined to wait for replies first. A write sizes up to `burstSize` keys and carries
   * the next SCAN once the keys in hand no longer fill every write slot, so a SCAN costs no round trip of its own;
   * a write sizes fewer keys only when it carries the SCAN or no more keys are coming. Pure: {@link send} writes.
   */
  nextWrite(): WritePlan | undefined {
    const { queue } = this;
    const { burstSize, maxKeys } = this.o;
    const budget = maxKeys - this.keysScanned - this.sizing;
    if (queue.length >= burstSize && budget >= burstSize) {
      return { take: burstSize, scan: this.scanWanted() && queue.length - burstSize < burstSize * this.o.inFlight };
    }
    // The start, or pages with few keys or none matching MATCH: what is in hand, if anything, with the next SCAN.
    if (this.scanWanted()) return { take: Math.min(queue.length, burstSize, budget), scan: true };
    // The end of the keyspace or of the key budget: whatever is left.
    if (!this.scanning && queue.length > 0 && budget > 0)
      return { take: Math.min(queue.length, burstSize, budget), scan: false };
    return undefined;
  }

  /** Makes the write `plan` describes and tracks it in {@link inFlight} until its replies are in. */
  send(plan: WritePlan): void {
    const settled: Promise<void> = this.write(plan).then(
      () => void this.inFlight.delete(settled),
      (err: unknown) => {
        this.failure ??= { err };
        this.inFlight.delete(settled);
      },
    );
    this.inFlight.add(settled);
  }

  private scanWanted(): boolean {
    return !this.scanDone && !this.scanning && this.keysScanned + this.sizing + this.queue.length < this.o.maxKeys;
  }

  private readonly takePage = ([next, found]: [string, string[]]): void => {
    this.scanning = false;
    this.cursor = next;
    this.scanDone = next === '0';
    for (const key of found) this.queue.push(key);
  };

  private write({ take, scan }: WritePlan): Promise<void> {
    const keys = this.queue.splice(0, take);
    const scanCursor = scan ? this.cursor : undefined;
    if (scan) {
      this.scanning = true;
      this.batches++;
    }
    if (keys.length === 0) return this.transport.scan(this.cursor).then(this.takePage);
    this.sizing += keys.length;
    return this.transport.size(keys, scanCursor).then(({ replies, scan: page }) => {
      this.sizing -= keys.length;
      this.keysScanned += keys.length;
      for (let i = 0; i < keys.length; i++) {
        const type = replies[2 * i];
        const bytes = replies[2 * i + 1];
        // TYPE "none" / MEMORY USAGE nil: the key expired or was deleted since SCAN returned it.
        if (typeof type !== 'string' || type === 'none' || typeof bytes !== 'number') this.keysVanished++;
        else this.tally.record(keys[i]!, type, bytes);
      }
      if (page) this.takePage(page);
    });
  }
}
