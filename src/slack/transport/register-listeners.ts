import type { App } from '@slack/bolt';
import type { IncidentCommand } from '../../commands/incident/parse.js';
import { parseIncidentCommand } from '../../commands/incident/parse.js';
import type { RedisCommand } from '../../commands/redis/parse.js';
import { parseRedisCommand } from '../../commands/redis/parse.js';
import type { Logger } from '../../kernel/logger.js';
import type { ProposalService } from '../../remediation/proposal-service.js';
import { registerProposalActions } from './listeners/proposal-actions.js';
import { registerSlashCommand, type SlashHandler } from './listeners/slash-command.js';
import type { SlackNotifier } from './slack-notifier.js';

export interface ListenerDeps {
  /** The quick half of `/incident`. */
  incidentCommands: SlashHandler<IncidentCommand>;
  /** The quick half of `/redis`. */
  redisCommands: SlashHandler<RedisCommand>;
  /** Approve / Reject clicks. */
  proposals: Pick<ProposalService, 'decide'>;
  notifier: SlackNotifier;
  logger: Logger;
}

/** Every Slack listener the bot has, in one place: slash commands and proposal buttons. */
export function registerListeners(app: App, d: ListenerDeps): void {
  registerSlashCommand(app, '/incident', parseIncidentCommand, d.incidentCommands, d.logger);
  registerSlashCommand(app, '/redis', parseRedisCommand, d.redisCommands, d.logger);
  registerProposalActions(app, d.proposals, d.notifier, d.logger);
}
