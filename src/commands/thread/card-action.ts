import { CARD_ACTION } from '../../blocks/incident-controls.js';
import { SeveritySchema } from '../../incidents/incident.js';
import { SLACK_USER_ID } from '../../kernel/ids.js';
import type { ThreadCommand } from './parse.js';

/** What a click on the card reports of its element (Bolt's block action fits). */
export interface CardClick {
  action_id: string;
  type: string;
  value?: string | undefined;
  selected_option?: { value: string } | null | undefined;
  selected_user?: string | null | undefined;
}

/** The message's `state.values` sent with a click: block id → action id → the element's current value. */
export type CardState = Record<string, Record<string, { selected_option?: { value: string } | null } | undefined>>;

/**
 * A click on one of the card's controls as the command it stands for, or undefined for a control that only opens
 * something (Add note). Untrusted input: a value that is not a severity, a user or a runbook name is `invalid`.
 * Pure, unit-tested.
 */
export function cardCommand(click: CardClick, state: CardState = {}): ThreadCommand | undefined {
  switch (click.action_id) {
    case CARD_ACTION.resolve:
      return { kind: 'resolve', summary: '' };
    case CARD_ACTION.severity: {
      const sev = SeveritySchema.safeParse(click.selected_option?.value);
      return sev.success ? { kind: 'severity', severity: sev.data } : { kind: 'invalid', reason: 'unknown severity' };
    }
    case CARD_ACTION.commander: {
      const user = click.selected_user ?? '';
      return SLACK_USER_ID.test(user)
        ? { kind: 'commander', commander: user }
        : { kind: 'invalid', reason: 'choose a person as commander' };
    }
    case CARD_ACTION.runbook:
      return runbookCommand(click.selected_option?.value);
    case CARD_ACTION.runRunbook: {
      // The select beside it, as the clicker left it; untouched (or absent) means the alert's runbook.
      const shown = Object.values(state)
        .map((block) => block[CARD_ACTION.runbook]?.selected_option?.value)
        .find((v) => v !== undefined);
      return shown === undefined ? { kind: 'diag' } : runbookCommand(shown);
    }
    case CARD_ACTION.export:
      return { kind: 'export', format: 'md' };
    case CARD_ACTION.exportAs: {
      const format = click.selected_option?.value;
      return format === 'md' || format === 'json'
        ? { kind: 'export', format }
        : { kind: 'invalid', reason: 'export format must be md or json' };
    }
    default:
      return undefined;
  }
}

function runbookCommand(name: string | undefined): ThreadCommand {
  return name && /^[a-z0-9][a-z0-9._-]*$/i.test(name)
    ? { kind: 'diag', runbook: name }
    : { kind: 'invalid', reason: 'choose a runbook' };
}
