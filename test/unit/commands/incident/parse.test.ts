import { describe, expect, it } from 'vitest';
import { INCIDENT_USAGE, parseIncidentCommand } from '../../../../src/commands/incident/parse.js';

describe('parseIncidentCommand', () => {
  it.each(['', '   ', 'help', 'HELP', 'help me please'])('%j is help', (text) => {
    expect(parseIncidentCommand(text)).toEqual({ kind: 'help' });
  });

  it.each(['status', 'timeline'] as const)('%s acts on the current incident, or on the id given in any case', (sub) => {
    expect(parseIncidentCommand(sub)).toEqual({ kind: sub });
    expect(parseIncidentCommand(`${sub} INC-12`)).toEqual({ kind: sub, incidentId: 'INC-12' });
    expect(parseIncidentCommand(`  ${sub.toUpperCase()}   inc-12 `)).toEqual({ kind: sub, incidentId: 'INC-12' });
  });

  it.each(['status', 'timeline'])('%s refuses extra words', (sub) => {
    expect(parseIncidentCommand(`${sub} INC-3 now`)).toEqual({
      kind: 'invalid',
      reason: `unexpected "now" after ${sub}`,
    });
  });

  it('export defaults to Markdown and takes md or json with the id in either position', () => {
    expect(parseIncidentCommand('export')).toEqual({ kind: 'export', format: 'md' });
    expect(parseIncidentCommand('export json')).toEqual({ kind: 'export', format: 'json' });
    expect(parseIncidentCommand('export MD INC-4')).toEqual({ kind: 'export', format: 'md', incidentId: 'INC-4' });
    expect(parseIncidentCommand('export INC-4 json')).toEqual({ kind: 'export', format: 'json', incidentId: 'INC-4' });
  });

  it('export refuses other formats and extra words', () => {
    expect(parseIncidentCommand('export pdf')).toEqual({
      kind: 'invalid',
      reason: 'export format must be md or json, not "pdf"',
    });
    expect(parseIncidentCommand('export md json')).toEqual({
      kind: 'invalid',
      reason: 'unexpected "json" after export',
    });
  });

  it.each(['INC-', 'INC-x', 'INC-1a', '#12', '12'])('does not take %j as an incident id', (word) => {
    expect(parseIncidentCommand(`status ${word}`)).toMatchObject({ kind: 'invalid' });
  });

  it('takes the id right after the subcommand and refuses a second one', () => {
    expect(parseIncidentCommand('status INC-1')).toEqual({ kind: 'status', incidentId: 'INC-1' });
    expect(parseIncidentCommand('status INC-1 INC-2')).toEqual({
      kind: 'invalid',
      reason: 'unexpected "INC-2" after status',
    });
  });

  it('new takes --target <name> anywhere (or --target=name), the rest is the title', () => {
    expect(parseIncidentCommand('new Checkout slow --target cache-1')).toEqual({
      kind: 'new',
      title: 'Checkout slow',
      target: 'cache-1',
    });
    expect(parseIncidentCommand('new --target=cache-1 Checkout slow')).toEqual({
      kind: 'new',
      title: 'Checkout slow',
      target: 'cache-1',
    });
    expect(parseIncidentCommand('new Checkout down --channel --target cache-1')).toEqual({
      kind: 'new',
      title: 'Checkout down',
      target: 'cache-1',
      channel: true,
    });
    expect(parseIncidentCommand('new --channel Checkout down')).toEqual({
      kind: 'new',
      title: 'Checkout down',
      channel: true,
    });
    expect(parseIncidentCommand('new Checkout --TARGET sessions.eu slow')).toEqual({
      kind: 'new',
      title: 'Checkout slow',
      target: 'sessions.eu',
    });
  });

  it.each([
    ['new Checkout slow --target', '--target needs a target name'],
    ['new Checkout slow --target <!channel>', '--target needs a target name'],
    ['new --target cache-1', 'new needs a title'],
    ['new Checkout --target a --target b', 'new takes one --target'],
    ['new Checkout --channels', 'unknown option "--channels" for new'],
    ['new Checkout --channel=yes', 'unknown option "--channel=yes" for new'],
  ])('refuses %j', (text, reason) => {
    const cmd = parseIncidentCommand(text);
    expect(cmd.kind).toBe('invalid');
    expect(cmd.kind === 'invalid' && cmd.reason).toContain(reason);
  });

  it('parses new, note, severity, commander and resolve', () => {
    expect(parseIncidentCommand('new  Checkout cache <evicting> ')).toEqual({
      kind: 'new',
      title: 'Checkout cache <evicting>',
    });
    expect(parseIncidentCommand('new')).toMatchObject({ kind: 'invalid' });
    expect(parseIncidentCommand('note INC-4 Restarted the Consumer')).toEqual({
      kind: 'note',
      incidentId: 'INC-4',
      text: 'Restarted the Consumer',
    });
    expect(parseIncidentCommand('note rolled back deploy 42')).toEqual({ kind: 'note', text: 'rolled back deploy 42' });
    expect(parseIncidentCommand('note')).toMatchObject({ kind: 'invalid' });
    expect(parseIncidentCommand('severity SEV1')).toEqual({ kind: 'severity', severity: 'sev1' });
    expect(parseIncidentCommand('severity sev2 INC-9')).toEqual({
      kind: 'severity',
      severity: 'sev2',
      incidentId: 'INC-9',
    });
    expect(parseIncidentCommand('severity sev5')).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('sev1'),
    });
    expect(parseIncidentCommand('commander <@U0BOB|bob>')).toEqual({ kind: 'commander', commander: 'U0BOB' });
    expect(parseIncidentCommand('commander INC-3 <@W0ALICE>')).toEqual({
      kind: 'commander',
      commander: 'W0ALICE',
      incidentId: 'INC-3',
    });
    expect(parseIncidentCommand('commander @bob')).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('@mention'),
    });
    expect(parseIncidentCommand('resolve')).toEqual({ kind: 'resolve', summary: '' });
    expect(parseIncidentCommand('resolve INC-2 purged, back to 60%')).toEqual({
      kind: 'resolve',
      incidentId: 'INC-2',
      summary: 'purged, back to 60%',
    });
  });

  it.each(['approve INC-1', 'delete', 'INC-1'])('answers %j as an unknown subcommand', (text) => {
    const sub = text.split(' ')[0]!.toLowerCase();
    expect(parseIncidentCommand(text)).toEqual({ kind: 'invalid', reason: `unknown subcommand "${sub}"` });
  });

  it('documents every subcommand it parses in the usage text', () => {
    for (const sub of ['new', 'status', 'note', 'severity', 'commander', 'resolve', 'timeline', 'export', 'help'])
      expect(INCIDENT_USAGE).toContain(`/incident ${sub}`);
  });
});

describe('parseIncidentCommand status pages', () => {
  it('takes `status page N` as a page of the open incidents', () => {
    expect(parseIncidentCommand('status page 2')).toEqual({ kind: 'status', page: 2 });
    expect(parseIncidentCommand('STATUS Page 1')).toEqual({ kind: 'status', page: 1 });
  });

  it.each(['status page', 'status page 0', 'status page two', 'status page 2 3', 'status page -1'])(
    'refuses %j with the form to use',
    (text) => {
      expect(parseIncidentCommand(text)).toEqual({
        kind: 'invalid',
        reason: 'status page takes one page number from 1, e.g. `/incident status page 2`',
      });
    },
  );

  it('does not mix an incident id with a page', () => {
    expect(parseIncidentCommand('status INC-3 page 2')).toMatchObject({ kind: 'invalid' });
  });
});
