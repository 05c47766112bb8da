import type { Block } from './types.js';

/** The action id of the card's "Declare incident" button (its value: the incident id). */
export const DECLARE_CHANNEL_ACTION_ID = 'incident_declare_channel';

/**
 * The card's "Declare incident" control: gives the incident its own channel. Shown while the incident is open and
 * has none; the button carries only the incident id. Pure.
 */
export function declareChannelBlocks(incident: {
  id: string;
  status: 'open' | 'resolved';
  incidentChannel?: string;
}): Block[] {
  if (incident.status !== 'open' || incident.incidentChannel) return [];
  return [
    {
      type: 'actions',
      block_id: `incident_channel:${incident.id}`,
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Declare incident' },
          action_id: DECLARE_CHANNEL_ACTION_ID,
          value: incident.id,
          confirm: {
            title: { type: 'plain_text', text: `Declare ${incident.id}?` },
            text: {
              type: 'plain_text',
              text: 'Opens a channel of its own for this incident, invites its commander and you, and posts the card there.',
            },
            confirm: { type: 'plain_text', text: 'Open the channel' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    },
  ];
}
