import { z } from 'zod';

/** What `/incident <text>` asks for. Parsing is pure so every form is unit-tested. */
export type IncidentCommand =
  | { kind: 'timeline'; incidentId?: string }
  | { kind: 'export'; incidentId?: string; format: 'md' | 'json' }
  | { kind: 'status'; incidentId?: string }
  | { kind: 'help' }
  | { kind: 'invalid'; reason: string };

const IncidentIdSchema = z.string().regex(/^INC-\d+$/i);

export const INCIDENT_USAGE = [
  '*Usage:* `/incident <subcommand>` — in an incident thread or channel it acts on that incident; add an id such as `INC-12` to pick one.',
  '• `/incident status [INC-n]` — the incident, or the open incidents',
  '• `/incident timeline [INC-n]` — post the timeline in the thread',
  '• `/incident export [md|json] [INC-n]` — upload the postmortem to the thread',
  '• `/incident help` — this text',
].join('\n');

/** Parses the text after `/incident`. Unknown input is `invalid` with a reason, answered privately with usage. */
export function parseIncidentCommand(text: string): IncidentCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const sub = (words.shift() ?? 'help').toLowerCase();
  let incidentId: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    if (IncidentIdSchema.safeParse(w).success) incidentId = w.toUpperCase();
    else rest.push(w.toLowerCase());
  }
  const withId = <T extends object>(c: T) => (incidentId ? { ...c, incidentId } : c);
  switch (sub) {
    case 'help':
      return { kind: 'help' };
    case 'status':
    case 'timeline':
      if (rest.length) return { kind: 'invalid', reason: `unexpected "${rest.join(' ')}" after ${sub}` };
      return withId({ kind: sub });
    case 'export': {
      const format = rest.shift() ?? 'md';
      if (format !== 'md' && format !== 'json')
        return { kind: 'invalid', reason: `export format must be md or json, not "${format}"` };
      if (rest.length) return { kind: 'invalid', reason: `unexpected "${rest.join(' ')}" after export` };
      return withId({ kind: 'export' as const, format });
    }
    default:
      return { kind: 'invalid', reason: `unknown subcommand "${sub}"` };
  }
}
