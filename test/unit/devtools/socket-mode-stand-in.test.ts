import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eventCallbackBody, slashCommandBody } from '../../../src/devtools/slack-signer.js';
import { SlackStandIn } from '../../../src/devtools/slack-stand-in.js';
import { SocketModeStandIn } from '../../../src/devtools/socket-mode-stand-in.js';

const APP_TOKEN = 'xapp-1-A0TESTAPP-1-abcdef';

/** A bare Socket Mode client on `ws`: what the protocol asks of an app, and nothing of Bolt. */
class RawClient {
  readonly messages: Array<Record<string, unknown>> = [];
  private readonly waiters = new Set<() => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.messages.push(JSON.parse(String(d)) as Record<string, unknown>);
      for (const w of [...this.waiters]) w();
    });
  }
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    await client.next((m) => m.type === 'hello');
    return client;
  }
  next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const check = () => {
        const m = this.messages.find(match);
        if (!m) return;
        this.waiters.delete(check);
        resolve(m);
      };
      this.waiters.add(check);
      check();
    });
  }
  ack(envelopeId: unknown, payload?: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ envelope_id: envelopeId, ...(payload ? { payload } : {}) }));
  }
}

describe('SocketModeStandIn', () => {
  let slack: SlackStandIn;
  let socket: SocketModeStandIn;
  const open = (token = APP_TOKEN) =>
    new WebClient(undefined, {
      slackApiUrl: `${slack.url}/api/`,
      headers: { Authorization: `Bearer ${token}` },
    }).apps.connections
      .open({})
      .then((r) => String(r.url));
  const command = (text: string) =>
    socket.slashCommand(slashCommandBody({ command: '/incident', text, user_id: 'U1', channel_id: 'C1' }));

  beforeEach(async () => {
    slack = await SlackStandIn.start();
    socket = await SocketModeStandIn.start({ slack, appToken: APP_TOKEN, ackTimeoutMs: 1000, graceMs: 1000 });
  });
  afterEach(async () => {
    await socket.close();
    await slack.close();
  });

  it('hands out single-use socket URLs for the app token only, and says hello on connect', async () => {
    await expect(open('xapp-1-other')).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    const url = await open();
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f-]+&app_id=A0TESTAPP$/);
    const client = await RawClient.open(url);
    expect(client.messages[0]).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'A0TESTAPP' },
    });
    // The ticket is spent.
    const again = new WebSocket(url);
    await new Promise<void>((resolve) => again.once('error', () => resolve()));
    expect(socket.connections).toHaveLength(1);
    client.ws.close();
  });

  it('sends a slash command as an envelope and settles it with the ack and its payload', async () => {
    const client = await RawClient.open(await open());
    const d = command('help');
    const env = await client.next((m) => m.type === 'slash_commands');
    expect(env).toMatchObject({
      accepts_response_payload: true,
      payload: { command: '/incident', text: 'help', user_id: 'U1', channel_id: 'C1' },
    });
    client.ack(env.envelope_id, { text: 'usage' });
    expect(await d.result).toEqual({
      ok: true,
      payload: { text: 'usage' },
      envelopeId: env.envelope_id,
      connection: 1,
    });
  });

  it('fails a command nobody acks, and retries an event in a new envelope (retry_attempt 1, timeout)', async () => {
    const client = await RawClient.open(await open());
    const d = command('help');
    const e = socket.event(eventCallbackBody({ eventId: 'Ev1', event: { type: 'app_mention', text: 'hi' } }));
    expect(await d.result).toEqual({ ok: false, error: 'timeout' });
    const retry = await client.next((m) => m.type === 'events_api' && m.retry_attempt === 1);
    expect(retry).toMatchObject({ retry_reason: 'timeout', payload: { event_id: 'Ev1' } });
    client.ack(retry.envelope_id);
    expect(await e.result).toMatchObject({ ok: true, envelopeId: retry.envelope_id });
    expect(e.attempts.map((a) => a.retryAttempt)).toEqual([0, 1]);
  });

  it('fails a command with no socket open (dispatch_failed); holds an event for the next socket', async () => {
    expect(await command('help').result).toEqual({ ok: false, error: 'dispatch_failed' });
    const e = socket.event(eventCallbackBody({ eventId: 'Ev2', event: { type: 'app_mention', text: 'hi' } }));
    const client = await RawClient.open(await open());
    const env = await client.next((m) => m.type === 'events_api');
    expect(env).toMatchObject({ retry_attempt: 0, payload: { event_id: 'Ev2' } });
    client.ack(env.envelope_id);
    expect((await e.result).ok).toBe(true);
  });

  it('on disconnect puts nothing new on the socket, still takes its acks, and closes it after the grace period', async () => {
    const client = await RawClient.open(await open());
    const inFlight = command('one');
    const env = await client.next((m) => m.type === 'slash_commands');
    socket.disconnect('refresh_requested');
    await client.next((m) => m.type === 'disconnect' && m.reason === 'refresh_requested');
    expect(await command('two').result).toEqual({ ok: false, error: 'dispatch_failed' });
    client.ack(env.envelope_id, { text: 'late but on time' });
    expect((await inFlight.result).ok).toBe(true);
    await socket.waitForClose(1);
    expect(socket.connections[0]).toMatchObject({
      closed: true,
      closedBy: 'stand-in',
      disconnectReason: 'refresh_requested',
    });
  });
});
