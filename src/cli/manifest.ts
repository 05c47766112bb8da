/**
 * `npm run -s manifest -- --url https://bot.example.com` (HTTP mode) or `npm run -s manifest -- --socket` (Socket
 * Mode), or `node dist/src/cli/manifest.js …` where only the build is shipped: prints the Slack app manifest
 * (slack/manifest.yml) for this deployment, to paste into api.slack.com/apps → Create New App → From an app
 * manifest. Reads no environment. Exit 2 on bad arguments.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  findManifest,
  type ManifestMode,
  renderManifest,
  SLACK_EVENTS_PATH,
} from '../slack/manifest/render-manifest.js';

const USAGE = [
  'usage: npm run -s manifest -- --url https://bot.example.com   (HTTP: Slack calls <url>/slack/events)',
  '       npm run -s manifest -- --socket                         (Socket Mode: SLACK_APP_TOKEN, no public URL)',
].join('\n');

const ArgsSchema = z.union([
  z.object({
    mode: z.literal('http'),
    url: z
      .url({ protocol: /^https$/, error: 'must be the public https:// URL Slack reaches the bot at' })
      .refine((u) => !new URL(u).pathname.endsWith(SLACK_EVENTS_PATH), {
        error: `give the base URL; ${SLACK_EVENTS_PATH} is added`,
      })
      .refine((u) => !new URL(u).search && !new URL(u).hash, { error: 'must have no query or fragment' }),
  }),
  z.object({ mode: z.literal('socket') }),
]);

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): ManifestMode {
  const socket = argv.includes('--socket');
  const urlAt = argv.indexOf('--url');
  const known = new Set(['--socket', '--url', ...(urlAt >= 0 ? [argv[urlAt + 1]] : [])]);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length > 0) fail(`manifest: unknown argument ${unknown[0]}`);
  if (socket && urlAt >= 0) fail('manifest: give --url (HTTP mode) or --socket (Socket Mode), not both');
  if (!socket && urlAt < 0) fail('manifest: give --url (HTTP mode) or --socket (Socket Mode)');
  const parsed = ArgsSchema.safeParse(socket ? { mode: 'socket' } : { mode: 'http', url: argv[urlAt + 1] });
  if (!parsed.success) fail(`manifest: --url ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

const mode = parseArgs(process.argv.slice(2));
process.stdout.write(renderManifest(readFileSync(findManifest(import.meta.url), 'utf8'), mode));
