import { describe, expect, it } from 'vitest';
import { CARD_ACTION } from '../../../../src/blocks/incident-controls.js';
import { cardCommand } from '../../../../src/commands/thread/card-action.js';
import { parseThreadCommand, threadUsage } from '../../../../src/commands/thread/parse.js';

describe('parseThreadCommand (what follows @bot in a thread)', () => {
  it.each([
    ['note rolled back #42', { kind: 'note', text: 'rolled back #42' }],
    ['severity SEV1', { kind: 'severity', severity: 'sev1' }],
    ['commander <@U0BOB>', { kind: 'commander', commander: 'U0BOB' }],
    ['diag', { kind: 'diag' }],
    ['diag connections', { kind: 'diag', runbook: 'connections' }],
    ['diagnose high-memory', { kind: 'diag', runbook: 'high-memory' }],
    ['resolve rolled back; p99 fine', { kind: 'resolve', summary: 'rolled back; p99 fine' }],
    ['resolve', { kind: 'resolve', summary: '' }],
    ['export', { kind: 'export', format: 'md' }],
    ['export json', { kind: 'export', format: 'json' }],
    ['status', { kind: 'status' }],
    ['timeline', { kind: 'timeline' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['note INC-4 elsewhere', { kind: 'note', incidentId: 'INC-4', text: 'elsewhere' }],
  ])('%j', (text, want) => {
    expect(parseThreadCommand(text)).toEqual(want);
  });

  it('refuses what has no meaning in a thread, with a reason worded for mentions', () => {
    expect(parseThreadCommand('new Another one')).toMatchObject({
      kind: 'invalid',
      reason: /already has its incident/,
    });
    expect(parseThreadCommand('diag a b')).toMatchObject({ kind: 'invalid', reason: /at most one runbook/ });
    expect(parseThreadCommand('diag <!channel>')).toMatchObject({ kind: 'invalid' });
    expect(parseThreadCommand('commander bob')).toEqual({
      kind: 'invalid',
      reason: 'commander needs one @mention of a user, e.g. `@bot commander @alice`',
    });
    expect(parseThreadCommand('severity sev9')).toMatchObject({ kind: 'invalid' });
    expect(parseThreadCommand('frobnicate')).toEqual({ kind: 'invalid', reason: 'unknown subcommand "frobnicate"' });
  });

  it('helps with a real mention of the bot and escaped placeholders', () => {
    const help = threadUsage('UBOT');
    expect(help).toContain('(<@UBOT>)');
    expect(help).toContain('`@bot note &lt;text&gt;`');
    expect(help).not.toMatch(/<text>|<sev1/);
    expect(threadUsage()).toContain('(@bot)');
  });
});

describe('cardCommand (a click on the card)', () => {
  const click = (action_id: string, more: Record<string, unknown> = {}) => ({ action_id, type: 'button', ...more });

  it('maps each control to its command', () => {
    expect(cardCommand(click(CARD_ACTION.resolve, { value: 'INC-3' }))).toEqual({ kind: 'resolve', summary: '' });
    expect(cardCommand(click(CARD_ACTION.severity, { selected_option: { value: 'sev2' } }))).toEqual({
      kind: 'severity',
      severity: 'sev2',
    });
    expect(cardCommand(click(CARD_ACTION.commander, { selected_user: 'U0BOB' }))).toEqual({
      kind: 'commander',
      commander: 'U0BOB',
    });
    expect(cardCommand(click(CARD_ACTION.runbook, { selected_option: { value: 'connections' } }))).toEqual({
      kind: 'diag',
      runbook: 'connections',
    });
    expect(cardCommand(click(CARD_ACTION.export, { value: 'INC-3' }))).toEqual({ kind: 'export', format: 'md' });
    expect(cardCommand(click(CARD_ACTION.exportAs, { selected_option: { value: 'json' } }))).toEqual({
      kind: 'export',
      format: 'json',
    });
    // Add note opens a modal: no command of its own.
    expect(cardCommand(click(CARD_ACTION.note, { value: 'INC-3' }))).toBeUndefined();
  });

  it('runs the runbook the select shows, else the alert’s', () => {
    const state = {
      'incident_card_set:INC-3': {
        [CARD_ACTION.severity]: { selected_option: { value: 'sev3' } },
        [CARD_ACTION.runbook]: { selected_option: { value: 'latency-spike' } },
      },
    };
    expect(cardCommand(click(CARD_ACTION.runRunbook), state)).toEqual({ kind: 'diag', runbook: 'latency-spike' });
    expect(cardCommand(click(CARD_ACTION.runRunbook), {})).toEqual({ kind: 'diag' });
  });

  it('refuses values that are not what the card offers', () => {
    expect(cardCommand(click(CARD_ACTION.severity, { selected_option: { value: 'sev0' } }))).toMatchObject({
      kind: 'invalid',
    });
    expect(cardCommand(click(CARD_ACTION.commander, { selected_user: 'not-a-user' }))).toMatchObject({
      kind: 'invalid',
    });
    expect(cardCommand(click(CARD_ACTION.runbook, { selected_option: { value: '../etc' } }))).toMatchObject({
      kind: 'invalid',
    });
    expect(cardCommand(click(CARD_ACTION.exportAs, { selected_option: { value: 'pdf' } }))).toMatchObject({
      kind: 'invalid',
    });
  });
});
