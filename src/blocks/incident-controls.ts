import { z } from 'zod';
import { escapeText, truncate } from './text.js';
import type { ActionElement, Block, ModalView, PlainText, SelectOption } from './types.js';

/**
 * The action ids of the card's controls. slack/transport registers one listener per id; the manifest test reads
 * them from register-listeners' list. Public once cards are posted (a card in Slack keeps the ids it was sent with).
 */
export const CARD_ACTION = {
  resolve: 'incident_resolve',
  severity: 'incident_severity',
  commander: 'incident_commander',
  note: 'incident_note',
  /** The runbook select: choosing one runs it. */
  runbook: 'incident_runbook',
  /** The "Run runbook" button: runs the runbook the select shows (the alert's runbook unless changed). */
  runRunbook: 'incident_run_runbook',
  export: 'incident_export',
  /** Overflow beside Export: Markdown or JSON. */
  exportAs: 'incident_export_as',
} as const;
export type CardActionId = (typeof CARD_ACTION)[keyof typeof CARD_ACTION];

/** The note modal (`views.open` from Add note; its `view_submission` adds the note). */
export const NOTE_MODAL_CALLBACK_ID = 'incident_note_modal';
/** The block and action id of the note modal's text input. */
export const NOTE_INPUT = { block: 'note', action: 'text' } as const;

/** The message shortcut "Add to incident timeline" (declared in slack/manifest.yml under this callback id). */
export const ADD_TO_TIMELINE_CALLBACK_ID = 'add_to_timeline';
/** The modal that asks which open incident a message from outside any incident thread goes to. */
export const CHOOSE_INCIDENT_CALLBACK_ID = 'add_to_timeline_incident';
export const CHOOSE_INCIDENT_INPUT = { block: 'incident', action: 'incident' } as const;

/** Severities the card offers (held equal to incidents' SeveritySchema by a unit test; blocks imports no domain). */
export const CARD_SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;

/**
 * The incident id travels in the controls' block ids (`incident_card_act:INC-3`), so a click names its incident
 * without a lookup; a click whose block id carries none falls back to the card's thread.
 */
const BLOCK_PREFIX = { act: 'incident_card_act', set: 'incident_card_set' } as const;
const ID_IN_BLOCK = /^incident_card_(?:act|set):(INC-\d+)$/;

/** The incident id carried by a card control's block id, if any. */
export function incidentIdOfBlock(blockId: string | undefined): string | undefined {
  return ID_IN_BLOCK.exec(blockId ?? '')?.[1];
}

/** Which runbook controls the card shows: the loaded runbooks and the one the incident's alert matched. */
export interface CardRunbooks {
  choices: ReadonlyArray<{ name: string; title: string }>;
  /** The alert's runbook, shown first in the select and run by the "Run runbook" button. */
  defaultRunbook?: string | undefined;
}

export interface CardControlsIncident {
  id: string;
  status: 'open' | 'resolved';
  severity: string;
  target: string;
  commander: string;
}

const plain = (text: string, max = 75): PlainText => ({ type: 'plain_text', text: truncate(text, max), emoji: true });
const option = (text: string, value: string): SelectOption => ({ text: plain(text), value });

/** Slack allows 100 options in a select. */
const MAX_OPTIONS = 100;

/**
 * The card's controls. Open: Resolve (with a confirm), Add note, Run runbook, Export postmortem (+ Markdown/JSON)
 * in one row; Severity, Commander and the runbook select in another. Resolved: Export only. The runbook controls
 * need a target (a diagnosis runs against one) and loaded runbooks. Pure.
 */
export function cardControls(incident: CardControlsIncident, runbooks?: CardRunbooks): Block[] {
  const exportButtons: ActionElement[] = [
    {
      type: 'button',
      text: plain('Export postmortem'),
      action_id: CARD_ACTION.export,
      value: incident.id,
    },
    {
      type: 'overflow',
      action_id: CARD_ACTION.exportAs,
      options: [option('Export as Markdown', 'md'), option('Export as JSON', 'json')],
    },
  ];
  if (incident.status === 'resolved') {
    return [{ type: 'actions', block_id: `${BLOCK_PREFIX.act}:${incident.id}`, elements: exportButtons }];
  }
  const choices = runbooks && incident.target ? runbooks.choices.slice(0, MAX_OPTIONS) : [];
  const runbookOptions = choices.map((r) => option(`${r.name} — ${r.title}`, r.name));
  const initialRunbook = runbookOptions.find((o) => o.value === runbooks?.defaultRunbook);
  const act: ActionElement[] = [
    {
      type: 'button',
      text: plain('Resolve'),
      style: 'primary',
      action_id: CARD_ACTION.resolve,
      value: incident.id,
      confirm: {
        title: plain(`Resolve ${incident.id}?`, 100),
        text: {
          type: 'plain_text',
          text: 'The incident is marked resolved and its card updated. An alert that fires again reopens it.',
        },
        confirm: plain('Resolve'),
        deny: plain('Cancel'),
      },
    },
    { type: 'button', text: plain('Add note'), action_id: CARD_ACTION.note, value: incident.id },
  ];
  if (runbookOptions.length) {
    act.push({ type: 'button', text: plain('Run runbook'), action_id: CARD_ACTION.runRunbook, value: incident.id });
  }
  act.push(...exportButtons);
  const severities = CARD_SEVERITIES.map((s) => option(s, s));
  const set: ActionElement[] = [
    {
      type: 'static_select',
      action_id: CARD_ACTION.severity,
      placeholder: plain('Severity'),
      options: severities,
      ...(severities.find((o) => o.value === incident.severity)
        ? { initial_option: severities.find((o) => o.value === incident.severity) }
        : {}),
    },
    {
      type: 'users_select',
      action_id: CARD_ACTION.commander,
      placeholder: plain('Commander'),
      ...(incident.commander ? { initial_user: incident.commander } : {}),
    },
  ];
  if (runbookOptions.length) {
    set.push({
      type: 'static_select',
      action_id: CARD_ACTION.runbook,
      placeholder: plain('Run a runbook'),
      options: runbookOptions,
      ...(initialRunbook ? { initial_option: initialRunbook } : {}),
    });
  }
  return [
    { type: 'actions', block_id: `${BLOCK_PREFIX.act}:${incident.id}`, elements: act },
    { type: 'actions', block_id: `${BLOCK_PREFIX.set}:${incident.id}`, elements: set },
  ];
}

/** What the note modal carries back in `private_metadata`: the incident and where to answer. */
export const NoteModalMetadataSchema = z.object({
  incidentId: z.string().regex(/^INC-\d+$/),
  channel: z.string().min(1),
  threadTs: z.string().optional(),
});
export type NoteModalMetadata = z.infer<typeof NoteModalMetadataSchema>;

/**
 * Add note: one multiline input, up to 3,000 characters (what a note job takes). Built from the click alone (no
 * lookup), since the trigger id that opens it lasts 3 s. Pure.
 */
export function noteModal(meta: NoteModalMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: NOTE_MODAL_CALLBACK_ID,
    title: plain('Add a note', 24),
    submit: plain('Add note', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(meta),
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Goes on the timeline and into the thread of *${meta.incidentId}*, signed by you.`,
          },
        ],
      },
      {
        type: 'input',
        block_id: NOTE_INPUT.block,
        label: plain('Note'),
        element: {
          type: 'plain_text_input',
          action_id: NOTE_INPUT.action,
          multiline: true,
          min_length: 1,
          max_length: 3000,
          placeholder: plain('What happened, what you tried, what you saw', 150),
        },
      },
    ],
  };
}

/** A Slack message to be filed on a timeline, as the shortcut reports it. */
export const FiledMessageSchema = z.object({
  channel: z.string().min(1),
  ts: z.string().regex(/^\d+\.\d+$/),
  /** The message's thread, when it sits in one. */
  threadTs: z.string().optional(),
  /** Slack user id of the author, or the posting bot's id. */
  author: z.string().min(1),
  text: z.string(),
});
export type FiledMessage = z.infer<typeof FiledMessageSchema>;

/** Slack's cap on a view's private_metadata. */
const METADATA_MAX = 3000;

/**
 * The filed message as the choose-incident modal's private_metadata, its text cut so the whole fits Slack's 3,000
 * characters (JSON escaping can lengthen it). Pure.
 */
export function filedMessageMetadata(m: FiledMessage): string {
  let text = m.text;
  let json = JSON.stringify({ ...m, text });
  while (json.length > METADATA_MAX && text.length > 0) {
    text = truncate(text, Math.max(0, text.length - Math.ceil((json.length - METADATA_MAX) / 2) - 1));
    json = JSON.stringify({ ...m, text });
  }
  return json;
}

/**
 * "Add to incident timeline" on a message outside any incident thread: pick one of the open incidents, offered in
 * the order given (the caller's: most severe first, then newest), at most 100. Pure.
 */
export function chooseIncidentModal(m: FiledMessage, open: ReadonlyArray<{ id: string; title: string }>): ModalView {
  const excerpt = escapeText(truncate(m.text.replace(/\s+/g, ' '), 200));
  return {
    type: 'modal',
    callback_id: CHOOSE_INCIDENT_CALLBACK_ID,
    title: plain('Add to timeline', 24),
    submit: plain('Add', 24),
    close: plain('Cancel', 24),
    private_metadata: filedMessageMetadata(m),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `This message is in no incident's thread. File it on the timeline of which open incident?\n>${excerpt || '(no text)'}`,
        },
      },
      {
        type: 'input',
        block_id: CHOOSE_INCIDENT_INPUT.block,
        label: plain('Incident'),
        element: {
          type: 'static_select',
          action_id: CHOOSE_INCIDENT_INPUT.action,
          placeholder: plain('Choose an open incident'),
          options: open.slice(0, MAX_OPTIONS).map((i) => option(`${i.id} ${i.title}`, i.id)),
        },
      },
    ],
  };
}
