import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../../src/catalogs.js';
import { isAppError } from '../../../src/kernel/errors.js';
import {
  formatLintErrors,
  type LintError,
  lintRunbook,
  loadRunbooks,
  loadRunbooksOrThrow,
} from '../../../src/runbooks/runbook-loader.js';

const catalogs = builtInCatalogs();

/** A valid runbook; tests swap one line for a broken one. */
const VALID = `
name: frag
title: Fragmentation
match:
  alertnames: [RedisHighFragmentation]
steps:
  - probe: memory
  - probe: fragmentation
  - probe: largest-keys
    params: { top: 5 }
findings:
  - id: frag-high
    when: fragmentation.ratio > 1.5 and memory.used_pct > 50
    severity: warning
    title: 'Ratio {fragmentation.ratio}'
  - id: big-key
    when: largest_keys.top1_share_pct >= 10
    severity: info
    title: 'Big key'
proposals:
  - action: memory-purge
    when: fragmentation.ratio > 1.5
    reason: fragmented
`;

function lint(text: string, file = 'runbooks/frag.yaml'): LintError[] {
  return lintRunbook(text, file, catalogs).errors;
}

function swap(from: string, to: string): string {
  if (!VALID.includes(from)) throw new Error(`fixture has no ${from}`);
  return VALID.replace(from, to);
}

describe('builtInCatalogs', () => {
  it('lists the shipped probes and actions', () => {
    expect([...catalogs.probes]).toEqual(
      expect.arrayContaining(['fragmentation', 'largest-keys', 'memory', 'ttl-hygiene', 'cluster']),
    );
    expect([...catalogs.actions]).toEqual(expect.arrayContaining(['config-set-maxmemory', 'memory-purge']));
    // every probe and action brings its params schema, so lint can check step and proposal params
    expect([...(catalogs.probeParams?.keys() ?? [])].sort()).toEqual([...catalogs.probes].sort());
    expect([...(catalogs.actionParams?.keys() ?? [])].sort()).toEqual([...catalogs.actions].sort());
  });
});

describe('lintRunbook', () => {
  it('accepts a valid runbook and fills defaults', () => {
    const { runbook, errors } = lintRunbook(VALID, 'frag.yaml', catalogs);
    expect(errors).toEqual([]);
    expect(runbook?.name).toBe('frag');
    expect(runbook?.steps[0]).toEqual({ probe: 'memory', params: {}, timeoutSeconds: 30 });
    expect(runbook?.match.labels).toEqual({});
    expect(runbook?.advice).toEqual([]);
  });

  it('names an unknown probe by step index and lists the known ones', () => {
    const errors = lint(swap('- probe: fragmentation', '- probe: fragmentation-v2'));
    expect(errors).toContainEqual({
      file: 'runbooks/frag.yaml',
      path: 'steps.1.probe',
      reason: expect.stringMatching(/unknown probe "fragmentation-v2" \(known: .*memory/),
    });
  });

  it('names an unknown action', () => {
    const errors = lint(swap('- action: memory-purge', '- action: flushall'));
    expect(errors).toEqual([
      {
        file: 'runbooks/frag.yaml',
        path: 'proposals.0.action',
        reason: expect.stringMatching(/unknown action "flushall"/),
      },
    ]);
  });

  it('names a bad threshold expression with the parser message', () => {
    const errors = lint(swap('when: largest_keys.top1_share_pct >= 10', 'when: largest_keys.top1_share_pct >= '));
    expect(errors).toEqual([
      {
        file: 'runbooks/frag.yaml',
        path: 'findings.1.when',
        reason: expect.stringMatching(/^bad threshold expression: /),
      },
    ]);
  });

  it('names a metric whose probe is in the catalog but not a step of this runbook', () => {
    const errors = lint(swap('memory.used_pct > 50', 'ttl_hygiene.no_ttl_pct > 50'));
    expect(errors).toEqual([
      {
        file: 'runbooks/frag.yaml',
        path: 'findings.0.when',
        reason: 'metric ttl_hygiene.no_ttl_pct comes from no step of this runbook (probe ttl-hygiene)',
      },
    ]);
  });

  it('checks proposal conditions too', () => {
    const errors = lint(
      swap('    when: fragmentation.ratio > 1.5\n    reason', '    when: nope.ratio > 1.5\n    reason'),
    );
    expect(errors.map((e) => e.path)).toEqual(['proposals.0.when']);
  });

  it('does not count a step with an unknown probe as providing metrics', () => {
    const errors = lint(swap('- probe: fragmentation', '- probe: fragmentaton'));
    expect(errors.map((e) => e.path).sort()).toEqual(['findings.0.when', 'proposals.0.when', 'steps.1.probe']);
  });

  it('checks step params against the probe schema, naming the param', () => {
    const errors = lint(swap('params: { top: 5 }', 'params: { top: 0, colour: red }'));
    const paths = errors.map((e) => e.path).sort();
    expect(paths).toContain('steps.2.params.top');
    expect(paths.some((p) => p.startsWith('steps.2.params'))).toBe(true);
    expect(errors.every((e) => e.path.startsWith('steps.2.params'))).toBe(true);
    expect(errors.length).toBe(2);
  });

  it('reports schema errors with their YAML path', () => {
    const errors = lint(swap('severity: warning', 'severity: urgent'));
    expect(errors).toEqual([{ file: 'runbooks/frag.yaml', path: 'findings.0.severity', reason: expect.any(String) }]);
    expect(lint(swap('name: frag', 'name: Frag Runbook')).map((e) => e.path)).toEqual(['name']);
    expect(lint('name: x\ntitle: X\nmatch: {}\nsteps: []').map((e) => e.path)).toEqual(['steps']);
  });

  it('reports YAML syntax errors for the whole file', () => {
    expect(lint('name: [unclosed')).toEqual([
      { file: 'runbooks/frag.yaml', path: '(file)', reason: expect.stringMatching(/^not valid YAML/) },
    ]);
  });

  it('reports an empty file at the root', () => {
    expect(lint('').map((e) => e.path)).toEqual(['(root)']);
  });

  it("checks a proposal's params against the action's planner options", () => {
    expect(lint(swap('    reason: fragmented\n', '    reason: fragmented\n    params: { minRatio: 0.5 }\n'))).toEqual([
      { file: 'runbooks/frag.yaml', path: 'proposals.0.params.minRatio', reason: expect.stringMatching(/>=\s*1/) },
    ]);
    expect(lint(swap('    reason: fragmented\n', '    reason: fragmented\n    params: { bogus: 1 }\n'))).toEqual([
      { file: 'runbooks/frag.yaml', path: 'proposals.0.params', reason: expect.stringMatching(/bogus/) },
    ]);
    expect(lint(swap('    reason: fragmented\n', '    reason: fragmented\n    params: { minRatio: 2 }\n'))).toEqual([]);
  });
});

describe('loadRunbooks', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'rib-runbooks-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it('lints the shipped runbooks/ directory clean', () => {
    const { runbooks, errors } = loadRunbooks('runbooks', catalogs);
    expect(formatLintErrors(errors)).toBe('');
    expect(runbooks.map((r) => r.name)).toContain('high-memory');
  });

  it('loads .yaml and .yml files in name order and ignores others', () => {
    const dir = dirWith({
      'b.yml': swap('name: frag', 'name: b').replace('RedisHighFragmentation', 'B'),
      'a.yaml': swap('name: frag', 'name: a').replace('RedisHighFragmentation', 'A'),
      'README.md': 'not a runbook',
    });
    const { runbooks, errors } = loadRunbooks(dir, catalogs);
    expect(errors).toEqual([]);
    expect(runbooks.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('reports a duplicate runbook name in the second file and keeps the first', () => {
    const dir = dirWith({
      'a.yaml': VALID,
      'b.yaml': VALID.replace('RedisHighFragmentation', 'Other'),
    });
    const { runbooks, errors } = loadRunbooks(dir, catalogs);
    expect(runbooks).toHaveLength(1);
    expect(errors).toEqual([
      {
        file: join(dir, 'b.yaml'),
        path: 'name',
        reason: `duplicate runbook name "frag" (also in ${join(dir, 'a.yaml')})`,
      },
    ]);
  });

  it('reports a duplicate match (same alertname, same labels) by alertname index', () => {
    const dir = dirWith({
      'a.yaml': VALID,
      'b.yaml': swap('name: frag', 'name: frag-two').replace(
        'alertnames: [RedisHighFragmentation]',
        'alertnames: [Unique, RedisHighFragmentation]',
      ),
    });
    const { errors } = loadRunbooks(dir, catalogs);
    expect(errors).toEqual([
      {
        file: join(dir, 'b.yaml'),
        path: 'match.alertnames.1',
        reason: `duplicate match: RedisHighFragmentation is already matched by ${join(dir, 'a.yaml')}`,
      },
    ]);
  });

  it('allows the same alertname when the labels differ', () => {
    const dir = dirWith({
      'a.yaml': VALID,
      'b.yaml': swap('name: frag', 'name: frag-sessions').replace(
        'alertnames: [RedisHighFragmentation]',
        'alertnames: [RedisHighFragmentation]\n  labels: { workload: session }',
      ),
    });
    expect(loadRunbooks(dir, catalogs).errors).toEqual([]);
  });

  it('keeps the valid runbooks and collects the errors of the others', () => {
    const dir = dirWith({ 'a.yaml': VALID, 'b.yaml': 'name: [' });
    const { runbooks, errors } = loadRunbooks(dir, catalogs);
    expect(runbooks.map((r) => r.name)).toEqual(['frag']);
    expect(errors.map((e) => [e.file, e.path])).toEqual([[join(dir, 'b.yaml'), '(file)']]);
  });

  it('reports a directory it cannot read', () => {
    const missing = join(tmpdir(), 'rib-no-such-runbooks-dir');
    expect(loadRunbooks(missing, catalogs).errors).toEqual([
      { file: missing, path: '(dir)', reason: expect.stringMatching(/^cannot read: /) },
    ]);
  });

  it('loadRunbooksOrThrow stops with RUNBOOK_INVALID and the lint lines', () => {
    const dir = dirWith({ 'a.yaml': swap('- action: memory-purge', '- action: flushall') });
    let caught: unknown;
    try {
      loadRunbooksOrThrow(dir, catalogs);
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'RUNBOOK_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(
      `${join(dir, 'a.yaml')}: proposals.0.action: unknown action "flushall"`,
    );
  });
});

describe('formatLintErrors', () => {
  it('prints file: path: reason, one per line', () => {
    expect(
      formatLintErrors([
        { file: 'a.yaml', path: 'steps.0.probe', reason: 'unknown' },
        { file: 'b.yaml', path: 'name', reason: 'dup' },
      ]),
    ).toBe('a.yaml: steps.0.probe: unknown\nb.yaml: name: dup');
  });
});
