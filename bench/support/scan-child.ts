/**
 * Our scanner as a process of its own, like redis-cli, so the scan bench can start it pinned and niced exactly as
 * it starts redis-cli: `tsx bench/support/scan-child.ts <port> <largest|hot>` connects, prints `ready`, scans the
 * node back to back until SIGTERM, then prints one JSON line with what each scan reported and exits.
 */
import { Redis } from 'ioredis';
import { scanLfu } from '../../src/diagnostics/hot-keys-lfu.js';
import { scanLargestKeys } from '../../src/diagnostics/largest-keys-scan.js';
import type { PacedScanResult } from '../../src/diagnostics/paced-scan.js';

/** What the parent reads back: per scan, the figures the server view needs. */
export type ChildReport = Pick<PacedScanResult, 'keysScanned' | 'largestWrite' | 'durationMs'> & {
  largestBusyWrite: number;
  msAt: Record<string, number>;
};

const [port, kind] = process.argv.slice(2);
const client = new Redis(Number(port), '127.0.0.1', { maxRetriesPerRequest: 1 });
const ac = new AbortController();
process.once('SIGTERM', () => ac.abort());
const budget = { maxKeys: 100_000_000, maxDurationMs: 3_600_000, signal: ac.signal };
const reports: ChildReport[] = [];
await client.ping();
process.stdout.write('ready\n');
while (!ac.signal.aborted) {
  const r =
    kind === 'hot' ? await scanLfu(client, { top: 10, ...budget }) : await scanLargestKeys(client, { ...budget });
  reports.push({
    keysScanned: r.keysScanned,
    largestWrite: r.largestWrite,
    durationMs: r.durationMs,
    largestBusyWrite: r.pace.largestBusyWrite,
    msAt: r.pace.msAt,
  });
}
process.stdout.write(`${JSON.stringify(reports)}\n`);
client.disconnect();
process.exit(0);
