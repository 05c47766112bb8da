import type { App } from '@slack/bolt';
import type { SlashHandler } from '../../commands/slash-handler.js';
import type { Logger } from '../../kernel/logger.js';
import { type ChannelDeclarations, registerIncidentChannelAction } from './listeners/incident-channel-action.js';
import { type ProposalDecisions, registerProposalActions } from './listeners/proposal-actions.js';
import { registerSlashCommand } from './listeners/slash-command.js';
import { type ReplayGuardDeps, replayGuard } from './replay-guard.js';
import type { SlackNotifier } from './slack-notifier.js';

export interface ListenerDeps {
  /** The quick half of `/incident` (IncidentCommandIntake), which also takes the card's Declare clicks. */
  incidentIntake: SlashHandler & ChannelDeclarations;
  /** The quick half of `/redis` (RedisCommandIntake). */
  redisIntake: SlashHandler;
  /** Approve / Reject clicks. */
  proposals: ProposalDecisions;
  notifier: SlackNotifier;
  /** Remembers requests already served (SeenOnce on the state Redis), so replays are dropped. */
  seen: ReplayGuardDeps['seen'];
  metrics: ReplayGuardDeps['metrics'];
  logger: Logger;
}

/**
 * Every Slack listener the bot has, in one place: the replay guard in front of all of them, then slash commands
 * proposal buttons and the card's Declare button.
 */
export function registerListeners(app: App, d: ListenerDeps): void {
  app.use(replayGuard({ seen: d.seen, notifier: d.notifier, metrics: d.metrics, logger: d.logger }));
  registerSlashCommand(app, '/incident', d.incidentIntake, d.logger);
  registerSlashCommand(app, '/redis', d.redisIntake, d.logger);
  registerProposalActions(app, d.proposals, d.notifier, d.logger);
  registerIncidentChannelAction(app, d.incidentIntake, d.notifier, d.logger);
}
