import type { SlackMessage } from '../blocks/types.js';

/**
 * What the services need to speak in Slack: post, update in place, answer privately, upload a file. Declared here,
 * where the incident thread and the command workers use it, so no domain folder imports the Slack transport;
 * slack/transport's SlackNotifier implements it (redaction, Web API errors as AppErrors) and bot.ts injects it.
 */
export interface Notifier {
  /** Posts a message (into a thread when `threadTs` is given); resolves to the message ts. */
  post(channel: string, message: SlackMessage, threadTs?: string): Promise<string>;
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
  /** A message only `user` sees. */
  ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void>;
  /** Creates a public channel (conversations.create); Slack answers `name_taken` for a name in use. */
  createChannel(name: string): Promise<{ id: string; name: string }>;
  /** Invites users to a channel (conversations.invite); users already in it are fine. */
  invite(channel: string, users: readonly string[]): Promise<void>;
  /** The permalink of a message (chat.getPermalink). */
  permalink(channel: string, ts: string): Promise<string>;
  /** Uploads a text file into a thread. */
  upload(channel: string, threadTs: string, filename: string, content: string, title: string): Promise<void>;
}
