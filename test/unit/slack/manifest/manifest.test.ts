import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { renderManifest, requestUrl } from '../../../../src/slack/manifest/render-manifest.js';
import { registerListeners } from '../../../../src/slack/transport/register-listeners.js';
import { recordSurfaces } from '../../../support/slack-surfaces.js';

const REPO = join(import.meta.dirname, '../../../..');
const MANIFEST_TEXT = readFileSync(join(REPO, 'slack/manifest.yml'), 'utf8');

/**
 * Slack's app manifest schema, the parts this app uses, with Slack's limits; strict, so a misspelt key (which Slack
 * rejects when the manifest is pasted) fails here first.
 */
const HttpsUrl = z.url({ protocol: /^https$/ });
const ManifestSchema = z
  .object({
    display_information: z
      .object({
        name: z.string().min(1).max(35),
        description: z.string().max(140).optional(),
        long_description: z.string().min(175).max(4000).optional(),
        background_color: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/)
          .optional(),
      })
      .strict(),
    features: z
      .object({
        bot_user: z.object({ display_name: z.string().min(1).max(80), always_online: z.boolean() }).strict(),
        slash_commands: z
          .array(
            z
              .object({
                command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/),
                url: HttpsUrl.optional(),
                description: z.string().min(1).max(2000),
                usage_hint: z.string().max(1000).optional(),
                should_escape: z.boolean(),
              })
              .strict(),
          )
          .optional(),
        shortcuts: z
          .array(
            z
              .object({
                name: z.string().min(1).max(24),
                type: z.enum(['message', 'global']),
                callback_id: z.string().min(1).max(255),
                description: z.string().min(1).max(150),
              })
              .strict(),
          )
          .optional(),
      })
      .strict(),
    oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string().min(1)).min(1) }).strict() }).strict(),
    settings: z
      .object({
        event_subscriptions: z
          .object({ request_url: HttpsUrl.optional(), bot_events: z.array(z.string().min(1)).min(1) })
          .strict()
          .optional(),
        interactivity: z.object({ is_enabled: z.boolean(), request_url: HttpsUrl.optional() }).strict().optional(),
        org_deploy_enabled: z.literal(false),
        socket_mode_enabled: z.boolean(),
        token_rotation_enabled: z.literal(false),
      })
      .strict(),
  })
  .strict();
type Manifest = z.infer<typeof ManifestSchema>;

/** The scope Slack requires for each bot event the app may subscribe to. */
const EVENT_SCOPES: Record<string, string[]> = {
  app_mention: ['app_mentions:read'],
  'message.channels': ['channels:history'],
  'message.groups': ['groups:history'],
  'message.im': ['im:history'],
  member_joined_channel: ['channels:read', 'groups:read'],
  reaction_added: ['reactions:read'],
};

/**
 * The bot scopes each Web API method needs (api.slack.com/methods/<method>), for public and private channels alike.
 * A method the code calls that is missing here fails the test: add it with its scopes (and the README row).
 */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.getPermalink': [],
  filesUploadV2: ['files:write'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  'conversations.info': ['channels:read', 'groups:read'],
  'conversations.create': ['channels:manage', 'groups:write'],
  'conversations.invite': ['channels:manage', 'groups:write'],
  'conversations.join': ['channels:join'],
  'users.info': ['users:read'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'reactions.add': ['reactions:write'],
};

/** Every production source file (devtools are test stand-ins). */
function sourceFiles(dir = join(REPO, 'src')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return relative(REPO, path) === 'src/devtools' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The Web API methods production code calls: `client.<family>.<method>(`, `filesUploadV2(`, `apiCall('<m>'`. */
function webApiMethodsCalled(): Map<string, string> {
  const found = new Map<string, string>();
  const patterns = [
    /\bclient\??\.([a-z]+)\??\.([a-zA-Z]+)\(/g,
    /\b(filesUploadV2)\(/g,
    /\bapiCall\(\s*'([a-z]+)\.([a-zA-Z.]+)'/g,
  ];
  for (const file of sourceFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const re of patterns) {
      for (const m of text.matchAll(re)) {
        const method = m[2] ? `${m[1]}.${m[2]}` : (m[1] ?? '');
        if (!found.has(method)) found.set(method, relative(REPO, file));
      }
    }
  }
  return found;
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

describe('slack/manifest.yml', () => {
  const raw: unknown = parseYaml(MANIFEST_TEXT);
  const parsed = ManifestSchema.safeParse(raw);
  const manifest = parsed.data as Manifest;
  const surfaces = recordSurfaces(registerListeners);

  it("is a valid app manifest (Slack's schema and limits)", () => {
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(surfaces.unreadable).toEqual([]);
  });

  it('declares exactly the slash commands the bot registers, each escaping users and channels', () => {
    const declared = manifest.features.slash_commands ?? [];
    expect(sorted(declared.map((c) => c.command))).toEqual(sorted(surfaces.commands));
    expect(declared.filter((c) => !c.should_escape).map((c) => c.command)).toEqual([]);
  });

  it('declares exactly the shortcuts the bot registers', () => {
    const declared = manifest.features.shortcuts ?? [];
    expect(sorted(declared.map((s) => s.callback_id))).toEqual(sorted(surfaces.shortcuts.map((s) => s.callbackId)));
    for (const s of surfaces.shortcuts) {
      const kind = declared.find((d) => d.callback_id === s.callbackId)?.type;
      if (s.type === 'message_action') expect({ [s.callbackId]: kind }).toEqual({ [s.callbackId]: 'message' });
      if (s.type === 'shortcut') expect({ [s.callbackId]: kind }).toEqual({ [s.callbackId]: 'global' });
    }
  });

  it('subscribes to exactly the events the bot handles', () => {
    const declared = manifest.settings.event_subscriptions?.bot_events ?? [];
    const handled = surfaces.events.filter((e) => e !== 'message');
    // app.message handles whichever message.* events are subscribed; at least one must be.
    const messages = declared.filter((e) => e.startsWith('message.'));
    expect(sorted(declared.filter((e) => !e.startsWith('message.')))).toEqual(sorted(handled));
    expect(messages.length > 0).toBe(surfaces.events.includes('message'));
  });

  it('enables interactivity exactly when buttons, selects, modals or shortcuts are handled', () => {
    const interactive =
      surfaces.actions.length + surfaces.views.length + surfaces.shortcuts.length + surfaces.options.length > 0;
    expect(manifest.settings.interactivity?.is_enabled ?? false).toBe(interactive);
    expect(surfaces.options).toEqual([]); // an options load URL would have to be declared too
  });

  it('asks for exactly the bot scopes the code uses: its Web API methods, events, commands and shortcuts', () => {
    const called = webApiMethodsCalled();
    const unknown = [...called].filter(([m]) => METHOD_SCOPES[m] === undefined).map(([m, file]) => `${m} (${file})`);
    expect(unknown, 'Web API methods with no entry in METHOD_SCOPES').toEqual([]);
    const unknownEvents = (manifest.settings.event_subscriptions?.bot_events ?? []).filter((e) => !EVENT_SCOPES[e]);
    expect(unknownEvents, 'events with no entry in EVENT_SCOPES').toEqual([]);
    const needed = [
      ...[...called.keys()].flatMap((m) => METHOD_SCOPES[m] ?? []),
      ...(manifest.settings.event_subscriptions?.bot_events ?? []).flatMap((e) => EVENT_SCOPES[e] ?? []),
      ...(surfaces.commands.length + surfaces.shortcuts.length > 0 ? ['commands'] : []),
    ];
    expect(sorted(manifest.oauth_config.scopes.bot)).toEqual(sorted(needed));
  });

  it("README's scope table justifies exactly the manifest's scopes", () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| bot scope |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const scopes = rows.map((r) => /^\s*\| `([a-z:._]+)` \|/.exec(r)?.[1]);
    expect(sorted(scopes.map(String))).toEqual(sorted(manifest.oauth_config.scopes.bot));
  });

  it('is the HTTP variant as checked in, every request URL on the placeholder host', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    const urls = [
      ...(manifest.features.slash_commands ?? []).map((c) => c.url),
      manifest.settings.interactivity?.request_url,
      ...(manifest.settings.event_subscriptions ? [manifest.settings.event_subscriptions.request_url] : []),
    ];
    expect(urls.every((u) => u === 'https://bot.example.com/slack/events')).toBe(true);
  });
});

describe('renderManifest', () => {
  // The checked-in manifest subscribes to app_mention, so it has every kind of request URL.
  const withEvents = MANIFEST_TEXT;

  it('fills every request URL from the public URL (HTTP mode)', () => {
    const m = parseYaml(renderManifest(withEvents, { mode: 'http', url: 'https://incidents.acme.test' })) as Manifest;
    const want = 'https://incidents.acme.test/slack/events';
    expect(m.features.slash_commands?.map((c) => c.url)).toEqual([want, want]);
    expect(m.settings.interactivity?.request_url).toBe(want);
    expect(m.settings.event_subscriptions?.request_url).toBe(want);
    expect(m.settings.socket_mode_enabled).toBe(false);
    expect(ManifestSchema.safeParse(m).error?.issues ?? []).toEqual([]);
  });

  it('keeps a path prefix and drops a trailing slash', () => {
    expect(requestUrl('https://acme.test/incident-bot/')).toBe('https://acme.test/incident-bot/slack/events');
    expect(requestUrl('https://acme.test')).toBe('https://acme.test/slack/events');
  });

  it('drops every URL and enables Socket Mode (Socket Mode)', () => {
    const text = renderManifest(withEvents, { mode: 'socket' });
    expect(text).not.toMatch(/https?:\/\//);
    const m = parseYaml(text) as Manifest;
    expect(m.settings.socket_mode_enabled).toBe(true);
    expect(m.settings.interactivity).toEqual({ is_enabled: true });
    expect(m.settings.event_subscriptions).toEqual({ bot_events: ['app_mention'] });
    expect(m.features.slash_commands?.map((c) => c.url)).toEqual([undefined, undefined]);
    expect(ManifestSchema.safeParse(m).error?.issues ?? []).toEqual([]);
  });
});
