/** The bounded bookkeeping of the largest-keys scan: key prefixes and the top-N heap. Pure. */

/** One key and its sampled size. */
export interface KeySize {
  key: string;
  type: string;
  bytes: number;
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
