import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { mentionText } from '../../../../src/slack/transport/listeners/thread-mention.js';
import { registerListeners, SLACK_REGISTRATIONS } from '../../../../src/slack/transport/register-listeners.js';
import { recordSurfaces } from '../../../support/slack-surfaces.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('SLACK_REGISTRATIONS', () => {
  it('lists exactly what registerListeners registers', () => {
    const s = recordSurfaces(registerListeners);
    expect(sorted(s.commands)).toEqual(sorted(SLACK_REGISTRATIONS.commands));
    expect(sorted(s.actions)).toEqual(sorted(SLACK_REGISTRATIONS.actions));
    expect(sorted(s.views)).toEqual(sorted(SLACK_REGISTRATIONS.views));
    expect(sorted(s.events)).toEqual(sorted(SLACK_REGISTRATIONS.events));
    expect(s.shortcuts).toEqual(
      SLACK_REGISTRATIONS.shortcuts.map((x) => ({ callbackId: x.callback_id, type: `${x.type}_action` })),
    );
  });

  it('names its shortcut as the manifest declares it', () => {
    const manifest = parseYaml(readFileSync(join(import.meta.dirname, '../../../../slack/manifest.yml'), 'utf8')) as {
      features: { shortcuts: Array<Record<string, string>> };
      oauth_config: { scopes: { bot: string[] } };
    };
    expect(manifest.features.shortcuts).toEqual(
      SLACK_REGISTRATIONS.shortcuts
        .map((s) => ({ ...s }))
        .map(({ name, type, callback_id }) => ({ name, type, callback_id, description: expect.any(String) })),
    );
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining([...SLACK_REGISTRATIONS.scopes]));
  });
});

describe('mentionText', () => {
  it("drops the bot's own mention wherever it stands, keeps other people's", () => {
    expect(mentionText('<@UBOT> commander <@U0BOB>', 'UBOT')).toBe('commander <@U0BOB>');
    expect(mentionText('hey <@UBOT|incident-bot> status', 'UBOT')).toBe('hey status');
    expect(mentionText('<@UBOT> note line one\nline two', 'UBOT')).toBe('note line one\nline two');
    expect(mentionText('<@U0XYZ> note hi')).toBe('note hi');
  });
});
