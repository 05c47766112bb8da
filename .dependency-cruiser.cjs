/**
 * The house rules (README "Layout", docs/architecture.md), checked by `npm run lint` through
 * scripts/check-house-rules.ts, which adds the two rules dependency-cruiser cannot say: no folder-level cycles and
 * only src/config/ reads process.env. Paths are relative to the repository root; rules name folders of the target
 * layout that may not exist yet (slack/delivery, commands/): they hold as soon as a file lands there.
 */

/** Transport: the HTTP edge and the Slack receivers/listeners. Thin: parse, ack, call a service or enqueue. */
const TRANSPORT = '^src/(http|slack/transport)/';

/** Packages and node built-ins that do I/O: a Block Kit builder must not reach any of them. */
const IO_PACKAGES = [
  '^ioredis$',
  '^bullmq$',
  '^@slack/',
  '^(node:)?(net|http|https|http2|tls|dgram|dns|fs|fs/promises|child_process|cluster|worker_threads)$',
  'node_modules/(ioredis|bullmq|@slack)/',
];

/** Folders whose modules talk to Redis, Slack or the queues. */
const IO_FOLDERS = [
  '^src/(targets|jobs|slack/transport|slack/delivery|devtools)/',
  // stores: the state Redis behind a small class each
  '^src/.+-store\\.ts$',
  '^src/incidents/timeline\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file cycle: one of the files should not import the other (move what both need one level down).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'transport-no-target-connections',
      severity: 'error',
      comment:
        'http/ and slack/transport/ parse, ack and hand over to a service or a queue; talking to a target Redis ' +
        '(targets/, diagnostics/) belongs in a worker. The state Redis is reached through stores, not from here.',
      from: { path: TRANSPORT },
      to: { path: '^src/(targets|diagnostics)/' },
    },
    {
      name: 'blocks-no-io',
      severity: 'error',
      comment:
        'blocks/ holds pure Block Kit builders: data in, blocks out. No Redis, queues, Slack client, network ' +
        'or file system, and nothing from stores, targets, jobs, transport or delivery.',
      from: { path: '^src/blocks/' },
      to: { path: [...IO_PACKAGES, ...IO_FOLDERS], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'diagnostics-no-slack',
      severity: 'error',
      comment: 'Diagnostics never talks to Slack: the diagnosis service posts through the incident thread it is given.',
      from: { path: '^src/diagnostics/' },
      to: { path: '^src/slack/' },
    },
    {
      name: 'probes-no-blocks',
      severity: 'error',
      comment:
        'Probes and the runbook runner return findings; what Slack shows is decided above them (the diagnosis ' +
        'service renders the findings message).',
      from: { path: '^src/diagnostics/', pathNot: '^src/diagnostics/diagnosis-service\\.ts$' },
      to: { path: '^src/blocks/' },
    },
    {
      name: 'actions-only-from-remediation',
      severity: 'error',
      comment:
        'Remediation actions (the only writes to a target) run only from the remediation worker: only ' +
        'src/remediation/ imports them (src/catalogs.ts may read the action catalog for lint; bot.ts wires).',
      from: { path: '^src/', pathNot: ['^src/remediation/', '^src/catalogs\\.ts$', '^src/(bot|main)\\.ts$'] },
      to: { path: '^src/remediation/actions/' },
    },
    {
      name: 'no-devtools-in-production',
      severity: 'error',
      comment: 'src/devtools/ holds dev/test stand-ins and process helpers; the bot never runs them.',
      from: { path: '^src/', pathNot: '^src/devtools/' },
      to: { path: '^src/devtools/' },
    },
    {
      name: 'no-dev-dependencies-in-production',
      severity: 'error',
      comment: 'The Docker image installs dependencies only (npm ci --omit=dev): production code cannot use the rest.',
      from: { path: '^src/', pathNot: '^src/devtools/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-undeclared-packages',
      severity: 'error',
      comment: 'Every package src/ imports is declared in package.json.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: a folder that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: { conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
