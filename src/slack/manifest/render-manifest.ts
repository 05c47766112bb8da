import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, parseDocument } from 'yaml';

/** Where Slack sends commands, interactivity and events in HTTP mode (Bolt's default path). */
export const SLACK_EVENTS_PATH = '/slack/events';

/** The manifest's place in the repository (and in the Docker image): `slack/manifest.yml`. */
export const MANIFEST_FILE = join('slack', 'manifest.yml');

/** HTTP mode: Slack calls `<url>/slack/events`. Socket Mode: Slack calls nothing; the bot connects out. */
export type ManifestMode = { mode: 'http'; url: string } | { mode: 'socket' };

/**
 * The request URL for a public base URL (`https://bot.example.com` or one under a path prefix such as
 * `https://example.com/incident-bot/`): the base plus `/slack/events`.
 */
export function requestUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${SLACK_EVENTS_PATH}`;
  return url.toString();
}

/**
 * The manifest for one deployment, from the checked-in one: in HTTP mode every request URL (slash commands,
 * interactivity, event subscriptions) becomes `<url>/slack/events`; in Socket Mode the URLs go and
 * `socket_mode_enabled` is true. Everything else is kept as written (comments too, but for the file's header).
 */
export function renderManifest(text: string, target: ManifestMode): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw doc.errors[0];
  const url = target.mode === 'http' ? requestUrl(target.url) : undefined;
  const point = (map: unknown, key: string) => {
    if (!isMap(map)) return;
    if (url) map.set(key, url);
    else map.delete(key);
  };
  const commands = doc.getIn(['features', 'slash_commands']);
  if (isSeq(commands)) for (const command of commands.items) point(command, 'url');
  point(doc.getIn(['settings', 'interactivity']), 'request_url');
  point(doc.getIn(['settings', 'event_subscriptions']), 'request_url');
  doc.setIn(['settings', 'socket_mode_enabled'], target.mode === 'socket');
  // The file's own header says how to print it; the printed one says what it is for.
  doc.commentBefore = url
    ? ` Slack app manifest (HTTP mode): Slack sends commands, interactivity and events to ${url}`
    : ' Slack app manifest (Socket Mode): the bot connects to Slack with SLACK_APP_TOKEN; no public URL';
  return doc.toString({ lineWidth: 0 });
}

/** Finds `slack/manifest.yml` above a module (src/… when run from source, dist/src/… when compiled). */
export function findManifest(fromModule: string): string {
  let dir = dirname(fileURLToPath(fromModule));
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, MANIFEST_FILE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`${MANIFEST_FILE} not found above ${fileURLToPath(fromModule)}`);
}
