import { describe, expect, it } from 'vitest';
import { INCIDENT_USAGE, parseIncidentCommand } from '../../../../src/slack/commands/parse-incident-command.js';

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

  it('keeps the last id when two are given', () => {
    expect(parseIncidentCommand('status INC-1 INC-2')).toEqual({ kind: 'status', incidentId: 'INC-2' });
  });

  it.each(['approve INC-1', 'delete', 'INC-1'])('answers %j as an unknown subcommand', (text) => {
    const sub = text.split(' ')[0]!.toLowerCase();
    expect(parseIncidentCommand(text)).toEqual({ kind: 'invalid', reason: `unknown subcommand "${sub}"` });
  });

  it('documents every subcommand it parses in the usage text', () => {
    for (const sub of ['status', 'timeline', 'export [md|json]', 'help'])
      expect(INCIDENT_USAGE).toContain(`/incident ${sub}`);
  });
});
