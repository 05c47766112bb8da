import type { KeyWork, Transport } from './scan-transport.js';

/** What to write next: how many queued keys to send, and whether the next SCAN goes in the same write. */
export interface WritePlan {
  take: number;
  scan: boolean;
}

/**
 * A key scan's writes: keys SCAN returned wait in a queue, go out in writes of up to `burstSize` keys (the work's
 * commands for each), and their replies go to the work. Tracks the writes in flight, the commands sent and the
 * first failure; the pacing (when to write, how much, when to pause or stop) is the caller's.
 */
export class ScanPipeline {
  /** Keys SCAN returned that are not sent yet, in SCAN order. */
  private readonly queue: string[] = [];
  private cursor = '0';
  private scanDone = false;
  private scanning = false;
  /** Keys written whose replies have not arrived yet. */
  private pending = 0;
  /** The writes whose replies have not all arrived; each settles without rejecting. */
  readonly inFlight = new Set<Promise<void>>();
  /** The first write that failed; the caller stops writing and rethrows it. */
  failure: { err: unknown } | undefined;
  /** Keys whose replies arrived (counts against `maxKeys`). */
  keysScanned = 0;
  keysVanished = 0;
  /** Keys the server refused the work's commands for (e.g. OBJECT FREQ under a non-LFU policy). */
  keysRefused = 0;
  /** SCAN calls made. */
  batches = 0;
  /** Commands written so far (load readings subtract them from the node's own count), by commandstats name. */
  commandsSent = 0;
  readonly callsSent = new Map<string, number>();
  /** The most keys one write carried. */
  largestWrite = 0;

  constructor(
    private readonly transport: Transport,
    private readonly work: KeyWork,
    private readonly o: { maxKeys: number },
  ) {}

  /** Whether SCAN's cursor has not come back to 0 yet, or keys it returned are still waiting to be sent. */
  get keysLeft(): boolean {
    return this.queue.length > 0 || !this.scanDone;
  }

  /**
   * What to write next at `burstSize` keys per write and `inFlight` writes, or undefined to wait for replies
   * first. With `scanRides`, a write carries `burstSize` keys and the next SCAN once the keys in hand no longer
   * fill every write slot, so a SCAN costs no round trip of its own; it carries fewer keys only when it carries the
   * SCAN or no more keys are coming. Without, the keys in hand go first and the SCAN goes alone. Pure: {@link send}
   * writes.
   */
  nextWrite(burstSize: number, inFlight: number, scanRides = true): WritePlan | undefined {
    const { queue } = this;
    const budget = this.o.maxKeys - this.keysScanned - this.pending;
    if (queue.length >= burstSize && budget >= burstSize) {
      const scan = scanRides && this.scanWanted() && queue.length - burstSize < burstSize * inFlight;
      return { take: burstSize, scan };
    }
    if (this.scanWanted()) {
      // The start, or pages with few keys or none matching MATCH: what is in hand, if anything, with the next SCAN
      // (or, when SCAN goes alone, the keys in hand first).
      if (scanRides) return { take: Math.min(queue.length, burstSize, budget), scan: true };
      if (queue.length > 0 && budget > 0) return { take: Math.min(queue.length, burstSize, budget), scan: false };
      return { take: 0, scan: true };
    }
    // The end of the keyspace or of the key budget: whatever is left.
    if (!this.scanning && queue.length > 0 && budget > 0)
      return { take: Math.min(queue.length, burstSize, budget), scan: false };
    return undefined;
  }

  /** Makes the write `plan` describes (SCAN COUNT `count`) and tracks it in {@link inFlight} until its replies are in. */
  send(plan: WritePlan, count: number): void {
    const settled: Promise<void> = this.write(plan, count).then(
      () => void this.inFlight.delete(settled),
      (err: unknown) => {
        this.failure ??= { err };
        this.inFlight.delete(settled);
      },
    );
    this.inFlight.add(settled);
  }

  /** Counts a command sent outside the writes (a load reading's INFO). */
  countCommand(name: string): void {
    this.commandsSent++;
    this.callsSent.set(name, (this.callsSent.get(name) ?? 0) + 1);
  }

  private scanWanted(): boolean {
    return !this.scanDone && !this.scanning && this.keysScanned + this.pending + this.queue.length < this.o.maxKeys;
  }

  private readonly takePage = ([next, found]: [string, string[]]): void => {
    this.scanning = false;
    this.cursor = next;
    this.scanDone = next === '0';
    for (const key of found) this.queue.push(key);
  };

  private write({ take, scan }: WritePlan, count: number): Promise<void> {
    const keys = this.queue.splice(0, take);
    const scanArgs = scan ? { cursor: this.cursor, count } : undefined;
    if (scan) {
      this.scanning = true;
      this.batches++;
      this.countCommand('scan');
    }
    if (keys.length === 0) return this.transport.scan(this.cursor, count).then(this.takePage);
    const { work } = this;
    this.pending += keys.length;
    this.largestWrite = Math.max(this.largestWrite, keys.length);
    this.commandsSent += keys.length * work.perKey;
    for (const name of work.commandNames) this.callsSent.set(name, (this.callsSent.get(name) ?? 0) + keys.length);
    return this.transport.write(keys, scanArgs).then(({ replies, scan: page }) => {
      this.pending -= keys.length;
      this.keysScanned += keys.length;
      let refused: Error | undefined;
      for (let i = 0; i < keys.length; i++) {
        const outcome = work.record(keys[i]!, replies, i * work.perKey);
        if (outcome === false) this.keysVanished++;
        else if (outcome instanceof Error) {
          this.keysRefused++;
          refused ??= outcome;
        }
      }
      // Every key of a write refused: the commands cannot run here (policy, ACL); the scan fails with the reason.
      if (refused && this.keysRefused === this.keysScanned) throw refused;
      if (page) this.takePage(page);
    });
  }
}
