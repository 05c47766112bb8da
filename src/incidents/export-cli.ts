/**
 * `npm run export -- <incident-id> [--format md|json]`: prints an incident's postmortem from the bot's state Redis
 * (REDIS_URL, KEY_PREFIX) to stdout, for people outside Slack. Read-only.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import { ProposalStore } from '../remediation/proposal-store.js';
import { IncidentStore } from './incident-store.js';
import { renderPostmortemJson, renderPostmortemMarkdown } from './postmortem.js';
import { Timeline } from './timeline.js';

const ArgsSchema = z.object({
  id: z.string().regex(/^INC-\d+$/, 'must be an incident id such as INC-12'),
  format: z.enum(['md', 'json']),
});
const argv = process.argv.slice(2);
const formatAt = argv.indexOf('--format');
const parsed = ArgsSchema.safeParse({
  id: argv.find((a) => !a.startsWith('--') && argv[argv.indexOf(a) - 1] !== '--format'),
  format: formatAt >= 0 ? argv[formatAt + 1] : 'md',
});
if (!parsed.success) {
  process.stderr.write(
    `usage: npm run export -- <incident-id> [--format md|json]\n${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')}\n`,
  );
  process.exit(2);
}
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.KEY_PREFIX ?? 'rib';
const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 3000 });
try {
  const store = new IncidentStore(redis, prefix);
  const incident = await store.get(parsed.data.id);
  if (!incident) {
    process.stderr.write(`no incident ${parsed.data.id} under key prefix ${prefix}\n`);
    process.exitCode = 1;
  } else {
    const input = {
      incident,
      alerts: await store.listAlerts(incident.id),
      events: await new Timeline(redis, prefix).read(incident.id),
      proposals: await new ProposalStore(redis, prefix).listForIncident(incident.id),
      generatedAt: new Date().toISOString(),
    };
    process.stdout.write(parsed.data.format === 'json' ? renderPostmortemJson(input) : renderPostmortemMarkdown(input));
  }
} finally {
  redis.disconnect();
}
