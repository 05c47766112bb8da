import type { IModule } from 'dependency-cruiser';
import type { Violation } from './violation.js';

/**
 * The folder a module belongs to for the folder-cycle rule: `src/<top>`, or `src/slack/<sub>` and
 * `src/commands/<sub>` (transport, blocks and delivery are rooms of their own); `src` for the wiring files in src/.
 */
export function folderOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  if (parts.length === 2) return 'src';
  const top = parts[1] ?? '';
  if ((top === 'slack' || top === 'commands') && parts.length >= 4) return `src/${top}/${parts[2]}`;
  return `src/${top}`;
}

/** Cycles of the folder graph, as its strongly connected components of two folders or more (Tarjan). */
function folderCycles(edges: FolderGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** A shortest cycle through `start` inside one strongly connected component (breadth-first). */
function shortestCycle(edges: FolderGraph, start: string, members: ReadonlySet<string>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift() ?? start;
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0] ?? start) ?? start);
        return [...path, start];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** folder → folder → the file-level imports (`from → to`) that draw that arrow. */
type FolderGraph = Map<string, Map<string, string[]>>;

/** What the folder-cycle check found: one violation per cycle, and every folder arrow that lies on some cycle. */
export interface FolderCycleReport {
  violations: Violation[];
  folders: number;
  /** `A → B` for each arrow inside a strongly connected component: what a baseline must list to tolerate them. */
  cycleEdges: string[];
}

/**
 * Builds the folder graph from the cruised modules and reports its cycles: each pair of folders importing each other
 * (with the imports of both sides), then, with those pairs set aside, one shortest cycle per remaining component.
 */
export function folderCycleViolations(modules: readonly IModule[]): FolderCycleReport {
  const edges: FolderGraph = new Map();
  const folders = new Set<string>();
  for (const m of modules) {
    const from = folderOf(m.source);
    if (!from) continue;
    folders.add(from);
    for (const d of m.dependencies) {
      const to = folderOf(d.resolved);
      if (!to || to === from) continue;
      const byTarget = edges.get(from) ?? new Map<string, string[]>();
      edges.set(from, byTarget);
      const imports = byTarget.get(to) ?? [];
      const line = `${m.source} → ${d.resolved}`;
      if (!imports.includes(line)) imports.push(line);
      byTarget.set(to, imports);
    }
  }
  const cycleEdges: string[] = [];
  for (const scc of folderCycles(edges)) {
    const members = new Set(scc);
    for (const a of scc) for (const b of edges.get(a)?.keys() ?? []) if (members.has(b)) cycleEdges.push(`${a} → ${b}`);
  }
  const violations: Violation[] = [];
  const rest: FolderGraph = new Map();
  for (const [a, targets] of edges) {
    for (const [b, imports] of targets) {
      const back = edges.get(b)?.get(a);
      if (!back) {
        rest.set(a, (rest.get(a) ?? new Map()).set(b, imports));
      } else if (a < b) {
        violations.push({
          rule: 'no-folder-cycle',
          file: `${a} ⇄ ${b}`,
          detail: 'each imports the other',
          imports: [...imports, ...back],
          edges: [`${a} → ${b}`, `${b} → ${a}`],
        });
      }
    }
  }
  for (const scc of folderCycles(rest)) {
    const cycle = shortestCycle(rest, scc[0] ?? '', new Set(scc));
    const hops = cycle.slice(1).map((to, i) => [cycle[i] ?? '', to] as const);
    violations.push({
      rule: 'no-folder-cycle',
      file: cycle.join(' → '),
      detail: 'a cycle of folders',
      imports: hops.flatMap(([from, to]) => rest.get(from)?.get(to) ?? []),
      edges: hops.map(([from, to]) => `${from} → ${to}`),
    });
  }
  return { violations, folders: folders.size, cycleEdges: cycleEdges.sort() };
}
