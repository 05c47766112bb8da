import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { SlackMessage } from '../../src/blocks/types.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { SlackStandIn, type StandInMessage } from '../../src/devtools/slack-stand-in.js';
import { Deliverer, type DelivererOptions } from '../../src/slack/delivery/deliverer.js';
import { createDeliveryClient } from '../../src/slack/delivery/delivery-client.js';
import { Outbox } from '../../src/slack/delivery/outbox.js';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** Test-side state the renderers read at delivery time: each incident's channel and card version, message texts. */
export interface FakeState {
  cards: Map<string, { channel: string; version: number }>;
  messages: Map<string, string>;
}

export interface OutboxHarness {
  state: RedisProcess;
  redis: Redis;
  slack: SlackStandIn;
  prefix: string;
  outbox: Outbox;
  fake: FakeState;
  logs: LogLine[];
  /** A started deliverer with its own Redis connection and Web API client (stopped by `stop()`). */
  deliverer(o?: Partial<DelivererOptions>): Deliverer;
  stop(): Promise<void>;
}

export const text = (t: string): SlackMessage => ({ text: t, blocks: [] });

/** The outbox key a stand-in message was posted under (its metadata), if any. */
export function keyOf(m: StandInMessage): string | undefined {
  const meta = m.metadata as { event_payload?: { key?: unknown } } | undefined;
  return typeof meta?.event_payload?.key === 'string' ? meta.event_payload.key : undefined;
}

/** Renders the fake state the way the bot renders incidents: the card shows its version. */
export function cardText(incidentId: string, version: number): string {
  return `${incidentId} card v${version}`;
}

/** A state redis-server, the Slack stand-in and an outbox under a fresh prefix; fast backoff for tests. */
export async function startOutboxHarness(): Promise<OutboxHarness> {
  const state = await startRedis();
  const slack = await SlackStandIn.start();
  const redis = state.client();
  const prefix = `t${randomBytes(3).toString('hex')}`;
  const outbox = new Outbox(redis, prefix);
  const fake: FakeState = { cards: new Map(), messages: new Map() };
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => logs.push(JSON.parse(s) as LogLine) });
  const started: Deliverer[] = [];
  return {
    state,
    redis,
    slack,
    prefix,
    outbox,
    fake,
    logs,
    deliverer(o = {}) {
      const d = new Deliverer({
        redis: state.client(),
        outbox,
        client: createDeliveryClient('xoxb-test-token', { slackApiUrl: `${slack.url}/api/`, timeoutMs: 5_000 }),
        logger,
        callTimeoutMs: 5_000,
        leaseMs: 20_000,
        backoff: { baseMs: 100, maxMs: 800 },
        renderCard: async (id) => {
          const card = fake.cards.get(id);
          return card && { channel: card.channel, message: text(cardText(id, card.version)) };
        },
        renderMessage: async (key) => {
          const t = fake.messages.get(key);
          return t === undefined ? undefined : text(t);
        },
        ...o,
      });
      d.start();
      started.push(d);
      return d;
    },
    async stop() {
      await Promise.all(started.map((d) => d.stop()));
      await slack.close();
      await state.stop();
    },
  };
}
