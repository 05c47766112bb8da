/** The bounded bookkeeping of the largest-keys scan: per-type and per-prefix totals and the top-N heap. Pure. */

/** One key and its sampled size. */
export interface KeySize {
  key: string;
  type: string;
  bytes: number;
}

/** Aggregate for one Redis type, like the per-type lines of `redis-cli --memkeys`. */
export interface TypeStat {
  type: string;
  keys: number;
  bytes: number;
}

/** Aggregate for one key prefix. `sharePct` is the share of all sampled bytes, one decimal. */
export interface PrefixStat {
  prefix: string;
  keys: number;
  bytes: number;
  sharePct: number;
}

/** What a tally reports once the scan ends. */
export interface TallySummary {
  totalBytes: number;
  /** Biggest keys first, at most `top`. */
  topKeys: KeySize[];
  /** The single biggest key of each type, biggest first. */
  biggestByType: KeySize[];
  byType: TypeStat[];
  /** Prefixes holding the most bytes first, at most `top`. */
  byPrefix: PrefixStat[];
  /** True when more than {@link MAX_TRACKED_PREFIXES} prefixes were seen and the rest went to `(other)`. */
  prefixOverflow: boolean;
}

/** Bounds the per-prefix map on keyspaces whose chosen depth reaches unique ids (e.g. depth 2 on `user:ID:x`). */
export const MAX_TRACKED_PREFIXES = 10_000;
export const OTHER_PREFIX = '(other)';
export const NO_PREFIX = '(no prefix)';

/**
 * Groups a key by its first `depth` segments: `user:123:cart` → `user:*` (depth 1) or `user:123:*` (depth 2).
 * A key with fewer delimiters than `depth` is grouped under its parent (`user:123` at depth 2 → `user:*`) so ids
 * at the leaf do not each become a prefix; a key without any delimiter goes to `(no prefix)`.
 */
export function keyPrefix(key: string, delimiter: string, depth: number): string {
  let end = -1;
  let from = 0;
  for (let d = 0; d < depth; d++) {
    const at = key.indexOf(delimiter, from);
    if (at === -1) break;
    end = at + delimiter.length;
    from = end;
  }
  return end === -1 ? NO_PREFIX : `${key.slice(0, end)}*`;
}

/**
 * Keeps the `limit` biggest keys in a min-heap, so memory stays O(limit) however many keys are scanned.
 * SCAN may return a key twice (while the table rehashes), so a key already held is updated, not added again.
 */
export class TopKeys {
  private readonly heap: KeySize[] = [];
  constructor(private readonly limit: number) {}

  offer(entry: KeySize): void {
    const { heap } = this;
    const min = heap[0];
    if (heap.length === this.limit && min && entry.bytes <= min.bytes) return;
    const held = heap.findIndex((e) => e.key === entry.key);
    if (held !== -1) {
      heap.splice(held, 1, entry);
      heap.sort((a, b) => a.bytes - b.bytes); // rare: a sorted array is a valid min-heap
      return;
    }
    if (heap.length < this.limit) {
      heap.push(entry);
      this.up(heap.length - 1);
    } else {
      heap[0] = entry;
      this.down(0);
    }
  }

  sorted(): KeySize[] {
    return [...this.heap].sort((a, b) => b.bytes - a.bytes);
  }

  private up(i: number): void {
    const { heap } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.bytes <= heap[i]!.bytes) return;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const { heap } = this;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && heap[l]!.bytes < heap[min]!.bytes) min = l;
      if (r < heap.length && heap[r]!.bytes < heap[min]!.bytes) min = r;
      if (min === i) return;
      [heap[min], heap[i]] = [heap[i]!, heap[min]!];
      i = min;
    }
  }
}

/**
 * Totals of the sized keys: by type (with each type's biggest key), by prefix (at most
 * {@link MAX_TRACKED_PREFIXES}, the rest under `(other)`), and the `top` biggest keys.
 */
export class KeyTally {
  private readonly top: TopKeys;
  private readonly types = new Map<string, TypeStat & { biggest: KeySize }>();
  private readonly prefixes = new Map<string, { keys: number; bytes: number }>();
  private totalBytes = 0;
  private prefixOverflow = false;

  constructor(private readonly o: { top: number; prefixDelimiter: string; prefixDepth: number }) {
    this.top = new TopKeys(o.top);
  }

  record(key: string, type: string, bytes: number): void {
    this.totalBytes += bytes;
    const entry = { key, type, bytes };
    this.top.offer(entry);
    const t = this.types.get(type);
    if (!t) this.types.set(type, { type, keys: 1, bytes, biggest: entry });
    else {
      t.keys++;
      t.bytes += bytes;
      // Strictly greater, as redis-cli does, so ties keep the first key met in SCAN order.
      if (bytes > t.biggest.bytes) t.biggest = entry;
    }
    let prefix = keyPrefix(key, this.o.prefixDelimiter, this.o.prefixDepth);
    let p = this.prefixes.get(prefix);
    if (!p && this.prefixes.size >= MAX_TRACKED_PREFIXES) {
      this.prefixOverflow = true;
      prefix = OTHER_PREFIX;
      p = this.prefixes.get(prefix);
    }
    if (!p) this.prefixes.set(prefix, { keys: 1, bytes });
    else {
      p.keys++;
      p.bytes += bytes;
    }
  }

  summary(): TallySummary {
    const { totalBytes } = this;
    const typeStats = [...this.types.values()].sort((a, b) => b.bytes - a.bytes);
    const share = (bytes: number) => (totalBytes > 0 ? Math.round((bytes / totalBytes) * 1000) / 10 : 0);
    return {
      totalBytes,
      topKeys: this.top.sorted(),
      biggestByType: typeStats.map((t) => t.biggest).sort((a, b) => b.bytes - a.bytes),
      byType: typeStats.map(({ type, keys, bytes }) => ({ type, keys, bytes })),
      byPrefix: [...this.prefixes.entries()]
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .slice(0, this.o.top)
        .map(([prefix, p]) => ({ prefix, keys: p.keys, bytes: p.bytes, sharePct: share(p.bytes) })),
      prefixOverflow: this.prefixOverflow,
    };
  }
}
