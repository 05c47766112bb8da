import type { IModule } from 'dependency-cruiser';
import type { Violation } from './violation.js';

/**
 * The top-level folder a module belongs to: `src/<top>`, or `src` for the wiring files in src/. Folder cycles are
 * counted between these: `src/slack/transport` importing incidents while incidents imports `src/slack/delivery` is
 * a cycle of slack/ and incidents/.
 */
export function topFolderOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  return parts.length === 2 ? 'src' : `src/${parts[1] ?? ''}`;
}

/**
 * The finer room a module belongs to: `src/<top>`, or `src/slack/<sub>` and `src/commands/<sub>` (transport and
 * delivery, the two command families, are rooms of their own); `src` for the wiring files in src/. Cycles are also
 * counted between the rooms of one top-level folder (commands/incident ⇄ commands/redis).
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

/** What the folder-cycle check found: one violation per cycle, and how many folders (and rooms) it looked at. */
export interface FolderCycleReport {
  violations: Violation[];
  folders: number;
}

/**
 * The folder graph of the cruised modules: an arrow `A → B` for every import from a module in `A` to one in `B`
 * (type-only imports included), folders given by `folderFor`; `within` keeps only arrows between rooms of the same
 * top-level folder.
 */
function folderGraph(
  modules: readonly IModule[],
  folderFor: (path: string) => string | undefined,
  within: boolean,
): { edges: FolderGraph; folders: Set<string> } {
  const edges: FolderGraph = new Map();
  const folders = new Set<string>();
  for (const m of modules) {
    const from = folderFor(m.source);
    if (!from) continue;
    folders.add(from);
    for (const d of m.dependencies) {
      const to = folderFor(d.resolved);
      if (!to || to === from) continue;
      if (within && topFolderOf(d.resolved) !== topFolderOf(m.source)) continue;
      const byTarget = edges.get(from) ?? new Map<string, string[]>();
      edges.set(from, byTarget);
      const imports = byTarget.get(to) ?? [];
      const line = `${m.source} → ${d.resolved}`;
      if (!imports.includes(line)) imports.push(line);
      byTarget.set(to, imports);
    }
  }
  return { edges, folders };
}

/**
 * Reports the cycles of the folder graph at both granularities: between top-level folders of src/, and between the
 * rooms inside one of them (slack/*, commands/*). A cycle between rooms of different folders is one between their
 * folders, so it is reported once, at the top level.
 */
export function folderCycleViolations(modules: readonly IModule[]): FolderCycleReport {
  const top = folderGraph(modules, topFolderOf, false);
  const rooms = folderGraph(modules, folderOf, true);
  return {
    violations: [...cycleViolations(top.edges), ...cycleViolations(rooms.edges)],
    folders: new Set([...top.folders, ...rooms.folders]).size,
  };
}

/**
 * The cycles of one folder graph: each pair of folders importing each other (with the imports of both sides), then,
 * with those pairs set aside, one shortest cycle per remaining component.
 */
function cycleViolations(edges: FolderGraph): Violation[] {
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
    });
  }
  return violations;
}
