import { setTimeout as sleep } from 'node:timers/promises';

/** The drive's time base: offsets in the plan are from `start()`, and every wait ends early when the run aborts. */
export class DriveClock {
  private t0 = 0;

  constructor(private readonly signal: AbortSignal) {}

  start(): void {
    this.t0 = Date.now();
  }

  /** Milliseconds since the drive started; 0 before. */
  elapsed(): number {
    return this.t0 ? Date.now() - this.t0 : 0;
  }

  /** The wall-clock time of an offset. */
  time(offsetMs: number): number {
    return this.t0 + offsetMs;
  }

  /** Sleeps until `offsetMs` after the start (at once if that is past). */
  at(offsetMs: number): Promise<void> {
    return this.sleep(Math.max(0, this.t0 + offsetMs - Date.now()));
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.signal });
  }

  /** `+ 12.3s ` once the drive started, so log lines read against the plan. */
  stamp(): string {
    return this.t0 ? `+${(this.elapsed() / 1000).toFixed(1).padStart(5)}s ` : '';
  }
}
