import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHouseRules, type HouseRulesReport, type Violation } from '../../scripts/check-house-rules.js';
import { envReads } from '../../scripts/house-rules/env-reads.js';
import { folderOf, topFolderOf } from '../../scripts/house-rules/folder-cycles.js';

const REPO = join(import.meta.dirname, '../..');

/**
 * A small tree laid out like the target layout and obeying every rule. It lives under the repository's .tmp/ so
 * that its imports of ioredis, vitest, acorn… resolve from the repository's node_modules and its package.json.
 */
const CLEAN: Record<string, string> = {
  'src/main.ts': "import { start } from './bot.js';\nstart();\n",
  'src/bot.ts': [
    "import { loadEnv } from './config/env.js';",
    "import { routes } from './http/routes.js';",
    "import { ACTIONS } from './remediation/action-catalog.js';",
    "import { registerListeners } from './slack/transport/register-listeners.js';",
    'export function start(): void {',
    '  void [loadEnv(), routes, ACTIONS, registerListeners];',
    '}',
  ].join('\n'),
  'src/config/env.ts': 'export function loadEnv(env: NodeJS.ProcessEnv = process.env) {\n  return env;\n}\n',
  'src/kernel/errors.ts': 'export class AppError extends Error {}\n',
  'src/targets/topology.ts':
    "import { Redis } from 'ioredis';\nimport { AppError } from '../kernel/errors.js';\nexport const connect = (url: string) => (url ? new Redis(url) : new AppError('no url'));\n",
  'src/diagnostics/probe.ts': "import { connect } from '../targets/topology.js';\nexport const probe = connect;\n",
  'src/incidents/incident-store.ts':
    "import type { Redis } from 'ioredis';\nimport { AppError } from '../kernel/errors.js';\nexport const store = (r: Redis) => r ?? new AppError('none');\n",
  'src/jobs/queues.ts': "import { Queue } from 'bullmq';\nexport const queue = new Queue('q');\n",
  'src/http/routes.ts': "import { store } from '../incidents/incident-store.js';\nexport const routes = [store];\n",
  'src/blocks/card.ts':
    "import type { Redis } from 'ioredis';\nimport { AppError } from '../kernel/errors.js';\nexport const card = (r?: Redis) => ({ r, e: AppError });\n",
  'src/slack/transport/register-listeners.ts':
    "import { queue } from '../../jobs/queues.js';\nimport { card } from '../../blocks/card.js';\nexport const registerListeners = [queue, card];\n",
  'src/remediation/actions/bgsave.ts': "export const bgsave = { name: 'bgsave' };\n",
  'src/remediation/action-catalog.ts':
    "import { bgsave } from './actions/bgsave.js';\nexport const ACTIONS = [bgsave];\n",
  'src/catalogs.ts':
    "import { probe } from './diagnostics/probe.js';\nimport { ACTIONS } from './remediation/action-catalog.js';\nexport const catalogs = [probe, ACTIONS];\n",
  'src/devtools/stand-in.ts': "import { describe } from 'vitest';\nexport const port = process.env.PORT ?? describe;\n",
};

/** One planted violation per rule (several for the rules with several ways to break them). */
const PLANTS: Array<{ rule: string; why: string; files: Record<string, string>; expect: RegExp }> = [
  {
    rule: 'no-circular',
    why: 'two files importing each other',
    files: {
      'src/kernel/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/kernel/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    },
    expect: /^src\/kernel\/[ab]\.ts → src\/kernel\/[ab]\.ts → src\/kernel\/[ab]\.ts$/,
  },
  {
    rule: 'transport-no-target-connections',
    why: 'an HTTP route opening a target connection',
    files: {
      'src/http/diag-route.ts': "import { connect } from '../targets/topology.js';\nexport const r = connect;\n",
    },
    expect: /^src\/http\/diag-route\.ts → src\/targets\/topology\.ts$/,
  },
  {
    rule: 'transport-no-target-connections',
    why: 'a Slack listener running a probe',
    files: {
      'src/slack/transport/listeners/diag.ts':
        "import { probe } from '../../../diagnostics/probe.js';\nexport const l = probe;\n",
    },
    expect: /^src\/slack\/transport\/listeners\/diag\.ts → src\/diagnostics\/probe\.ts$/,
  },
  {
    rule: 'blocks-no-io',
    why: 'a builder creating a Redis client',
    files: { 'src/blocks/bad.ts': "import { Redis } from 'ioredis';\nexport const bad = () => new Redis();\n" },
    expect: /^src\/blocks\/bad\.ts → (\.\.\/)*node_modules\/ioredis\//,
  },
  {
    rule: 'blocks-no-io',
    why: 'a builder reading a file',
    files: { 'src/blocks/bad.ts': "import { readFileSync } from 'node:fs';\nexport const bad = readFileSync;\n" },
    expect: /^src\/blocks\/bad\.ts → (node:)?fs$/,
  },
  {
    rule: 'blocks-no-io',
    why: 'a builder reading a store',
    files: {
      'src/blocks/bad.ts': "import { store } from '../incidents/incident-store.js';\nexport const bad = store;\n",
    },
    expect: /^src\/blocks\/bad\.ts → src\/incidents\/incident-store\.ts$/,
  },
  {
    rule: 'diagnostics-no-slack',
    why: 'the diagnosis service reaching into the Slack transport',
    files: {
      'src/diagnostics/diagnosis-service.ts':
        "import { registerListeners } from '../slack/transport/register-listeners.js';\nexport const s = registerListeners;\n",
    },
    expect: /^src\/diagnostics\/diagnosis-service\.ts → src\/slack\/transport\/register-listeners\.ts$/,
  },
  {
    rule: 'probes-no-blocks',
    why: 'a probe building Slack blocks',
    files: {
      'src/diagnostics/findings.ts': "import { card } from '../blocks/card.js';\nexport const f = card;\n",
    },
    expect: /^src\/diagnostics\/findings\.ts → src\/blocks\/card\.ts$/,
  },
  {
    rule: 'actions-only-from-remediation',
    why: 'a command worker running an action itself',
    files: {
      'src/commands/redis/worker.ts':
        "import { bgsave } from '../../remediation/actions/bgsave.js';\nexport const w = bgsave;\n",
    },
    expect: /^src\/commands\/redis\/worker\.ts → src\/remediation\/actions\/bgsave\.ts$/,
  },
  {
    rule: 'no-devtools-in-production',
    why: 'production code using a dev stand-in',
    files: { 'src/incidents/demo.ts': "import { port } from '../devtools/stand-in.js';\nexport const p = port;\n" },
    expect: /^src\/incidents\/demo\.ts → src\/devtools\/stand-in\.ts$/,
  },
  {
    rule: 'no-dev-dependencies-in-production',
    why: 'production code importing a devDependency',
    files: { 'src/kernel/test-only.ts': "import { expect } from 'vitest';\nexport const e = expect;\n" },
    expect: /^src\/kernel\/test-only\.ts → (\.\.\/)*node_modules\/vitest\//,
  },
  {
    rule: 'no-undeclared-packages',
    why: 'a package that is only a transitive dependency',
    files: { 'src/kernel/parse.ts': "import { parse } from 'acorn';\nexport const p = parse;\n" },
    expect: /^src\/kernel\/parse\.ts → (\.\.\/)*node_modules\/acorn\//,
  },
  {
    rule: 'no-unresolvable',
    why: 'an import of a file that does not exist',
    files: { 'src/kernel/broken.ts': "import { gone } from './gone.js';\nexport const g = gone;\n" },
    expect: /^src\/kernel\/broken\.ts → \.\/gone\.js$/,
  },
  {
    rule: 'no-folder-cycle',
    why: 'kernel importing a folder that imports kernel (no file cycle)',
    files: {
      'src/kernel/incident-ids.ts':
        "import { store } from '../incidents/incident-store.js';\nexport const ids = store;\n",
    },
    expect: /^src\/incidents ⇄ src\/kernel$/,
  },
  {
    rule: 'no-folder-cycle',
    why: 'commands/incident and commands/redis importing each other',
    files: {
      'src/commands/incident/intake.ts': "import { parse } from '../redis/parse.js';\nexport const intake = parse;\n",
      'src/commands/incident/parse.ts': "export const parse = (t: string) => t.split(' ');\n",
      'src/commands/redis/parse.ts': 'export const parse = (t: string) => t.trim();\n',
      'src/commands/redis/intake.ts': "import { parse } from '../incident/parse.js';\nexport const intake = parse;\n",
    },
    expect: /^src\/commands\/incident ⇄ src\/commands\/redis$/,
  },
  {
    rule: 'no-folder-cycle',
    why: 'slack/transport and slack/delivery each on one side of a cycle with incidents (no room cycle)',
    files: {
      'src/slack/delivery/outbox.ts': 'export const outbox: string[] = [];\n',
      'src/incidents/thread.ts':
        "import { outbox } from '../slack/delivery/outbox.js';\nexport const thread = outbox;\n",
      'src/slack/transport/listeners/card.ts':
        "import { store } from '../../../incidents/incident-store.js';\nexport const card = store;\n",
    },
    expect: /^src\/incidents ⇄ src\/slack$/,
  },
  {
    rule: 'no-folder-cycle',
    why: 'three folders in a ring',
    files: {
      'src/targets/enqueue.ts': "import { queue } from '../jobs/queues.js';\nexport const e = queue;\n",
      'src/jobs/diag-job.ts': "import { probe } from '../diagnostics/probe.js';\nexport const d = probe;\n",
    },
    expect: /^src\/diagnostics → src\/targets → src\/jobs → src\/diagnostics$/,
  },
  {
    rule: 'only-config-reads-env',
    why: 'process.env read outside config/',
    files: { 'src/incidents/prefix.ts': "export const prefix = process.env.KEY_PREFIX ?? 'rib';\n" },
    expect: /^process\.env \(line 1\)$/,
  },
  {
    rule: 'only-config-reads-env',
    why: 'the env destructured from process',
    files: { 'src/http/port.ts': 'const { env } = process;\nexport const port = env.PORT;\n' },
    expect: /^\{ env \} = process \(line 1\)$/,
  },
];

let base: string;
const reports = new Map<string, HouseRulesReport>();

function tree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const describeViolation = (v: Violation) => `${v.rule}: ${v.file} → ${v.detail}`;

describe('house rules (scripts/check-house-rules.ts)', () => {
  beforeAll(async () => {
    mkdirSync(join(REPO, '.tmp'), { recursive: true });
    base = mkdtempSync(join(REPO, '.tmp', 'house-rules-'));
    tree(join(base, 'clean'), CLEAN);
    // One tree per plant: the clean tree plus the planted files. Cruised one after the other (depcruise is sync).
    for (const [i, plant] of PLANTS.entries()) {
      const dir = join(base, `plant-${i}`);
      cpSync(join(base, 'clean'), dir, { recursive: true });
      tree(dir, plant.files);
    }
    reports.set('clean', await checkHouseRules(join(base, 'clean')));
    for (const i of PLANTS.keys()) reports.set(`plant-${i}`, await checkHouseRules(join(base, `plant-${i}`)));
  }, 60_000);

  afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('pass a tree laid out like the target layout', () => {
    const report = reports.get('clean');
    expect(report?.violations.map(describeViolation)).toEqual([]);
    expect(report?.modules).toBeGreaterThan(Object.keys(CLEAN).length);
  });

  it.each(PLANTS.map((p, i) => ({ ...p, i })))('fail $rule on $why', ({ rule, expect: detail, i }) => {
    const violations = reports.get(`plant-${i}`)?.violations ?? [];
    expect(violations.map((v) => v.rule)).toEqual([rule]);
    const [v] = violations;
    if (rule === 'no-folder-cycle') {
      expect(v?.file).toMatch(detail);
      // Each arrow of the cycle is shown with the file-level import behind it.
      expect(v?.imports?.length).toBeGreaterThanOrEqual(2);
      expect(v?.imports?.every((line) => /^src\/\S+\.ts → src\/\S+\.ts$/.test(line))).toBe(true);
    } else {
      expect(`${v?.file} → ${v?.detail}`.replace(/^src\/\S+ → /, '')).not.toBe('');
      expect(rule === 'only-config-reads-env' ? v?.detail : `${v?.file} → ${v?.detail}`).toMatch(detail);
    }
  });

  it('exit non-zero from the command line, printing rule, file and import', async () => {
    const run = promisify(execFile);
    const planted = join(base, `plant-${PLANTS.findIndex((p) => p.why.startsWith('an HTTP route'))}`);
    const err = await run('node', ['--import', 'tsx', 'scripts/check-house-rules.ts', planted], { cwd: REPO }).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain(
      'error transport-no-target-connections: src/http/diag-route.ts → src/targets/topology.ts\n',
    );
    expect(err?.stderr).toMatch(/house rules: 1 violation\(s\) \(\d+ modules/);
  });

  it('find every way of reading process.env', () => {
    const text = [
      'const a = process.env.A;',
      "const b = process['env'];",
      'const { env } = process;',
      "import { env as e } from 'node:process';",
      'const c = globalThis.process.env;',
      'const d = proces.env; // not process',
    ].join('\n');
    expect(envReads('x.ts', text)).toEqual([
      'process.env (line 1)',
      "process['env'] (line 2)",
      '{ env } = process (line 3)',
      "import { env } from 'node:process' (line 4)",
      'process.env (line 5)',
    ]);
  });

  it('group files by top-level folder, src/ wiring files apart', () => {
    expect(topFolderOf('src/diagnostics/probes/memory.ts')).toBe('src/diagnostics');
    expect(topFolderOf('src/slack/transport/listeners/slash-command.ts')).toBe('src/slack');
    expect(topFolderOf('src/commands/redis/intake.ts')).toBe('src/commands');
    expect(topFolderOf('src/bot.ts')).toBe('src');
    expect(topFolderOf('node_modules/ioredis/built/index.js')).toBeUndefined();
  });

  it('group files by folder: top level, slack/* and commands/* subfolders, src/ wiring files', () => {
    expect(folderOf('src/diagnostics/probes/memory.ts')).toBe('src/diagnostics');
    expect(folderOf('src/slack/transport/listeners/slash-command.ts')).toBe('src/slack/transport');
    expect(folderOf('src/commands/redis/intake.ts')).toBe('src/commands/redis');
    expect(folderOf('src/bot.ts')).toBe('src');
    expect(folderOf('node_modules/ioredis/built/index.js')).toBeUndefined();
  });
});
