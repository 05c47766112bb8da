import type { App } from '@slack/bolt';
import { DECLARE_CHANNEL_ACTION_ID } from '../../blocks/declare-channel.js';
import {
  ADD_TO_TIMELINE_CALLBACK_ID,
  CARD_ACTION,
  CHOOSE_INCIDENT_CALLBACK_ID,
  NOTE_MODAL_CALLBACK_ID,
} from '../../blocks/incident-controls.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../blocks/proposal.js';
import type { SlashHandler } from '../../commands/slash-handler.js';
import type { ThreadCommands } from '../../commands/thread/thread-commands.js';
import type { Logger } from '../../kernel/logger.js';
import { registerCardActions } from './listeners/card-actions.js';
import { type ChannelDeclarations, registerIncidentChannelAction } from './listeners/incident-channel-action.js';
import { type ProposalDecisions, registerProposalActions } from './listeners/proposal-actions.js';
import { registerSlashCommand } from './listeners/slash-command.js';
import { MENTION_EVENT, registerThreadMention } from './listeners/thread-mention.js';
import { registerTimelineShortcut } from './listeners/timeline-shortcut.js';
import { type ReplayGuardDeps, replayGuard } from './replay-guard.js';
import type { SlackNotifier } from './slack-notifier.js';

/**
 * Everything the bot registers with Bolt, by kind: what slack/manifest.yml must declare (slash commands, bot
 * events, shortcuts; interactivity for actions and views) and a test holds the two together. registerListeners
 * registers exactly these.
 */
export const SLACK_REGISTRATIONS = {
  commands: ['/incident', '/redis'],
  /** block_actions by action_id: proposal buttons, the card's Declare button and its other controls. */
  actions: [APPROVE_ACTION_ID, REJECT_ACTION_ID, DECLARE_CHANNEL_ACTION_ID, ...Object.values(CARD_ACTION)],
  /** view_submission by callback_id: the note modal and the choose-incident modal of the shortcut. */
  views: [NOTE_MODAL_CALLBACK_ID, CHOOSE_INCIDENT_CALLBACK_ID],
  /** Message shortcuts (manifest `features.shortcuts`, type `message`). */
  shortcuts: [
    {
      callback_id: ADD_TO_TIMELINE_CALLBACK_ID,
      type: 'message',
      name: 'Add to incident timeline',
      description: "Files this message on the timeline of its thread's incident",
    },
  ],
  /** Events API bot events (manifest `settings.event_subscriptions.bot_events`). */
  events: [MENTION_EVENT],
  /** Bot scopes these need beyond chat:write, commands and files:write: app_mention events. */
  scopes: ['app_mentions:read'],
} as const;

export interface ListenerDeps {
  /** The quick half of `/incident` (IncidentCommandIntake), which also takes the card's Declare clicks. */
  incidentIntake: SlashHandler & ChannelDeclarations;
  /** The quick half of `/redis` (RedisCommandIntake). */
  redisIntake: SlashHandler;
  /** Approve / Reject clicks. */
  proposals: ProposalDecisions;
  /** Mentions, the card's controls, the note modal and the timeline shortcut. */
  thread: ThreadCommands;
  notifier: SlackNotifier;
  /** Remembers requests already served (SeenOnce on the state Redis), so replays are dropped. */
  seen: ReplayGuardDeps['seen'];
  metrics: ReplayGuardDeps['metrics'];
  logger: Logger;
}

/**
 * Every Slack listener the bot has, in one place: the replay guard in front of all of them, then slash commands,
 * proposal buttons, the card's Declare button, and the thread's surfaces (mentions, card controls and modals, the
 * message shortcut).
 */
export function registerListeners(app: App, d: ListenerDeps): void {
  app.use(replayGuard({ seen: d.seen, notifier: d.notifier, metrics: d.metrics, logger: d.logger }));
  const [incident, redis] = SLACK_REGISTRATIONS.commands;
  registerSlashCommand(app, incident, d.incidentIntake, d.logger);
  registerSlashCommand(app, redis, d.redisIntake, d.logger);
  registerProposalActions(app, d.proposals, d.notifier, d.logger);
  registerIncidentChannelAction(app, d.incidentIntake, d.notifier, d.logger);
  registerCardActions(app, d.thread, d.notifier, d.logger);
  registerThreadMention(app, d.thread, d.notifier, d.logger);
  registerTimelineShortcut(app, d.thread, d.notifier, d.logger);
}
