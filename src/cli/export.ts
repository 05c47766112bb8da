/**
 * `npm run -s export -- <incident-id> [--format md|json]`, or `node dist/src/cli/export.js …` where only
 * the build is shipped (the Docker image): prints an incident's postmortem from the bot's state Redis to stdout and
 * nothing else, so the JSON can be piped. Reads REDIS_URL and KEY_PREFIX, validated as the bot validates them.
 * Read-only. Exit 2 on bad arguments or environment, 1 when the incident cannot be read.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import { ExportCliEnvSchema, loadCliEnv } from '../config/cli-env.js';
import { IncidentStore } from '../incidents/incident-store.js';
import { renderPostmortemJson, renderPostmortemMarkdown } from '../incidents/postmortem.js';
import { loadPostmortemInput } from '../incidents/postmortem-input.js';
import { Timeline } from '../incidents/timeline.js';
import { isAppError } from '../kernel/errors.js';
import { INCIDENT_ID } from '../kernel/ids.js';
import { ProposalStore } from '../remediation/proposal-store.js';

const USAGE = 'usage: npm run -s export -- <incident-id> [--format md|json]';

const ArgsSchema = z.object({
  id: z.string().regex(INCIDENT_ID, 'must be an incident id such as INC-12'),
  format: z.enum(['md', 'json']),
});

function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const argv = process.argv.slice(2);
const formatAt = argv.indexOf('--format');
const parsed = ArgsSchema.safeParse({
  id: argv.find((a) => !a.startsWith('--') && argv[argv.indexOf(a) - 1] !== '--format'),
  format: formatAt >= 0 ? argv[formatAt + 1] : 'md',
});
if (!parsed.success) {
  fail(2, `${USAGE}\n${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')}`);
}
let env: z.output<typeof ExportCliEnvSchema>;
try {
  env = loadCliEnv(ExportCliEnvSchema);
} catch (err) {
  fail(2, `export: ${isAppError(err) ? err.message : String(err)}`);
}

const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 3000 });
// A failed command rejects with the reason, reported below; the client's own 'error' events would only repeat it.
redis.on('error', () => {});
try {
  const store = new IncidentStore(redis, env.KEY_PREFIX);
  const incident = await store.get(parsed.data.id);
  if (!incident) {
    process.stderr.write(`no incident ${parsed.data.id} under key prefix ${env.KEY_PREFIX}\n`);
    process.exitCode = 1;
  } else {
    const input = await loadPostmortemInput(
      { store, timeline: new Timeline(redis, env.KEY_PREFIX), proposals: new ProposalStore(redis, env.KEY_PREFIX) },
      incident,
    );
    process.stdout.write(parsed.data.format === 'json' ? renderPostmortemJson(input) : renderPostmortemMarkdown(input));
  }
} catch (err) {
  process.stderr.write(
    `export: cannot read ${parsed.data.id} from the state Redis: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
