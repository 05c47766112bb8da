/**
 * A deliverer in its own process, so a test can SIGKILL it at a chosen point. Cards are rendered from the hash
 * `<prefix>:fakecard:<incidentId>` (channel, version). Env: REDIS_URL, KEY_PREFIX, SLACK_API_URL, LEASE_MS,
 * CALL_TIMEOUT_MS. Prints `ready` once delivering.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Deliverer } from '../../src/slack/delivery/deliverer.js';
import { createDeliveryClient } from '../../src/slack/delivery/delivery-client.js';
import { Outbox } from '../../src/slack/delivery/outbox.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: 1 });
const prefix = env('KEY_PREFIX');
const callTimeoutMs = Number(env('CALL_TIMEOUT_MS'));
const deliverer = new Deliverer({
  redis,
  outbox: new Outbox(redis, prefix),
  client: createDeliveryClient('xoxb-test-token', { slackApiUrl: env('SLACK_API_URL'), timeoutMs: callTimeoutMs }),
  logger: pino({ level: 'warn' }, pino.destination(2)),
  leaseMs: Number(env('LEASE_MS')),
  callTimeoutMs,
  renderCard: async (id) => {
    const card = await redis.hgetall(`${prefix}:fakecard:${id}`);
    if (!card.channel) return undefined;
    return { channel: card.channel, message: { text: `${id} card v${card.version}`, blocks: [] } };
  },
});
deliverer.start();
process.stdout.write('ready\n');
