import { describe, expect, it } from 'vitest';
import { incidentCard } from '../../../src/blocks/incident-card.js';
import {
  CARD_ACTION,
  CARD_SEVERITIES,
  cardControls,
  chooseIncidentModal,
  FiledMessageSchema,
  filedMessageMetadata,
  incidentIdOfBlock,
  noteModal,
} from '../../../src/blocks/incident-controls.js';
import type { ActionElement, Block } from '../../../src/blocks/types.js';
import { SeveritySchema } from '../../../src/incidents/incident.js';
import { couldPing, expectWithinSlackLimits } from './slack-limits.js';

const OPEN = { id: 'INC-7', status: 'open' as const, severity: 'sev2', target: 'cache-1', commander: 'U0ALICE' };
const RUNBOOKS = {
  choices: [
    { name: 'connections', title: 'Connections' },
    { name: 'high-memory', title: 'High memory' },
  ],
  defaultRunbook: 'high-memory',
};
const elements = (blocks: Block[]): ActionElement[] => blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));

describe('cardControls', () => {
  it('offers every control on an open incident, each select on its current value', () => {
    const blocks = cardControls(OPEN, RUNBOOKS);
    const els = elements(blocks);
    expect(els.map((e) => e.action_id)).toEqual([
      CARD_ACTION.resolve,
      CARD_ACTION.note,
      CARD_ACTION.runRunbook,
      CARD_ACTION.export,
      CARD_ACTION.exportAs,
      CARD_ACTION.severity,
      CARD_ACTION.commander,
      CARD_ACTION.runbook,
    ]);
    const byId = Object.fromEntries(els.map((e) => [e.action_id, e]));
    expect(byId[CARD_ACTION.resolve]).toMatchObject({ type: 'button', value: 'INC-7', confirm: expect.any(Object) });
    expect(byId[CARD_ACTION.severity]).toMatchObject({ initial_option: { value: 'sev2' } });
    expect(byId[CARD_ACTION.commander]).toMatchObject({ type: 'users_select', initial_user: 'U0ALICE' });
    expect(byId[CARD_ACTION.runbook]).toMatchObject({
      initial_option: { value: 'high-memory', text: { text: 'high-memory — High memory' } },
    });
    expect(blocks.map((b) => (b.type === 'actions' ? incidentIdOfBlock(b.block_id) : undefined))).toEqual([
      'INC-7',
      'INC-7',
    ]);
    expectWithinSlackLimits({ text: 'x', blocks });
  });

  it('leaves Export only on a resolved incident, and no runbook controls without a target', () => {
    expect(elements(cardControls({ ...OPEN, status: 'resolved' }, RUNBOOKS)).map((e) => e.action_id)).toEqual([
      CARD_ACTION.export,
      CARD_ACTION.exportAs,
    ]);
    const noTarget = elements(cardControls({ ...OPEN, target: '', commander: '' }, RUNBOOKS));
    expect(noTarget.map((e) => e.action_id)).not.toContain(CARD_ACTION.runbook);
    expect(noTarget.map((e) => e.action_id)).not.toContain(CARD_ACTION.runRunbook);
    expect(noTarget.find((e) => e.action_id === CARD_ACTION.commander)).not.toHaveProperty('initial_user');
  });

  it('stays within Slack limits with a hundred and more long runbooks, and no initial option it does not offer', () => {
    const many = Array.from({ length: 130 }, (_, i) => ({ name: `rb-${i}`, title: 'T'.repeat(200) }));
    const blocks = cardControls(OPEN, { choices: many, defaultRunbook: 'rb-120' });
    expectWithinSlackLimits({ text: 'x', blocks });
    const select = elements(blocks).find((e) => e.action_id === CARD_ACTION.runbook);
    expect(select).toMatchObject({ options: expect.any(Array) });
    expect(select && 'options' in select ? select.options.length : 0).toBe(100);
    expect(select).not.toHaveProperty('initial_option');
  });

  it('offers the severities the incident model has', () => {
    expect([...CARD_SEVERITIES]).toEqual(SeveritySchema.options);
  });

  it('is part of the card, rendered from state', () => {
    const card = incidentCard(
      { ...OPEN, title: 'Redis out of memory', targetHint: '', createdAt: '2026-11-23T14:02:11.000Z', resolvedAt: '' },
      [],
      { now: '2026-11-23T15:02:11.000Z', runbooks: RUNBOOKS },
    );
    expect(elements(card.blocks).map((e) => e.action_id)).toContain(CARD_ACTION.runbook);
    expectWithinSlackLimits(card);
  });
});

describe('modals', () => {
  it('note: one multiline input of up to 3,000 characters, the incident in private_metadata', () => {
    const view = noteModal({ incidentId: 'INC-7', channel: 'C0INC', threadTs: '1700000000.000100' });
    expect(view.callback_id).toBe('incident_note_modal');
    expect(JSON.parse(view.private_metadata)).toEqual({
      incidentId: 'INC-7',
      channel: 'C0INC',
      threadTs: '1700000000.000100',
    });
    expect(view.blocks[1]).toMatchObject({
      type: 'input',
      block_id: 'note',
      element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: 3000 },
    });
    expect(view.title.text.length).toBeLessThanOrEqual(24);
  });

  it('choose-incident: the open incidents in the order given, the message kept within 3,000 characters of metadata', () => {
    const message = {
      channel: 'C0DEPLOYS',
      ts: '1800000000.000100',
      author: 'U0ALICE',
      text: `"quoted" <!channel> ${'\n'.repeat(500)}${'é'.repeat(4000)}`,
    };
    const view = chooseIncidentModal(message, [
      { id: 'INC-2', title: 'newer' },
      { id: 'INC-1', title: 'older' },
    ]);
    expect(view.private_metadata.length).toBeLessThanOrEqual(3000);
    const back = FiledMessageSchema.parse(JSON.parse(view.private_metadata));
    expect(back).toMatchObject({ channel: 'C0DEPLOYS', ts: '1800000000.000100', author: 'U0ALICE' });
    expect(message.text.startsWith(back.text.slice(0, -1))).toBe(true);
    const select = view.blocks[1];
    expect(select?.type === 'input' && select.element.type === 'static_select' ? select.element.options : []).toEqual([
      { text: { type: 'plain_text', text: 'INC-2 newer', emoji: true }, value: 'INC-2' },
      { text: { type: 'plain_text', text: 'INC-1 older', emoji: true }, value: 'INC-1' },
    ]);
    const excerpt = view.blocks[0]?.type === 'section' ? (view.blocks[0].text?.text ?? '') : '';
    expect(couldPing(excerpt)).toBe(false);
    expect(filedMessageMetadata({ ...message, text: 'short' })).toBe(JSON.stringify({ ...message, text: 'short' }));
  });
});
