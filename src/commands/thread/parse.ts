import { usageText } from '../../blocks/replies.js';
import { type IncidentCommand, parseIncidentCommand } from '../incident/parse.js';

/**
 * What a mention in an incident's thread (or a control on its card) asks for: the `/incident` commands that act on
 * one incident, plus `diag` (a runbook on the incident's target). Pure, unit-tested.
 */
export type ThreadCommand = Exclude<IncidentCommand, { kind: 'new' }> | { kind: 'diag'; runbook?: string };

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** The help a mention answers with; `bot` is the bot's user id when known (so it renders as the real name). */
export function threadUsage(bot?: string): string {
  // The mention is a real one; the rest is escaped (its `<placeholders>` would read as links).
  const me = bot ? `<@${bot}>` : '@bot';
  return `*In an incident's thread, mention me* (${me}) and I act on that thread's incident, no id needed:\n${usageText(
    [
      '• `@bot note <text>` — add a note to the timeline',
      '• `@bot severity <sev1|sev2|sev3|sev4>`',
      '• `@bot commander @user`',
      "• `@bot diag [runbook]` — run a runbook on the incident's target (default: the alert's runbook, else the target's)",
      '• `@bot resolve [summary]` — the summary goes into the postmortem',
      '• `@bot export [md|json]` — upload the postmortem to the thread',
      '• `@bot timeline`, `@bot status`, `@bot help`',
      'The buttons and menus on the card do the same, and the message shortcut *Add to incident timeline* (a message\'s "⋯" menu) files any message on the timeline.',
    ],
  )}`;
}

/** Parses what follows the bot's mention. Unknown input is `invalid` with a reason, answered privately with help. */
export function parseThreadCommand(text: string): ThreadCommand {
  const trimmed = text.trim();
  const [first, ...rest] = trimmed.split(/\s+/).filter(Boolean);
  const sub = (first ?? 'help').toLowerCase();
  if (sub === 'diag' || sub === 'diagnose') {
    const [runbook, ...extra] = rest;
    if (extra.length || (runbook && !NAME.test(runbook)))
      return { kind: 'invalid', reason: 'diag takes at most one runbook name, e.g. `@bot diag high-memory`' };
    return runbook ? { kind: 'diag', runbook } : { kind: 'diag' };
  }
  if (sub === 'new') {
    return {
      kind: 'invalid',
      reason: 'this thread already has its incident; open another with `/incident new <title>`',
    };
  }
  const cmd = parseIncidentCommand(trimmed || 'help');
  if (cmd.kind === 'new') return { kind: 'invalid', reason: 'unexpected "new"' };
  // The slash-command wording (escaping, `/incident …` examples) would mislead here.
  if (cmd.kind === 'invalid' && sub === 'commander')
    return { kind: 'invalid', reason: 'commander needs one @mention of a user, e.g. `@bot commander @alice`' };
  return cmd;
}
