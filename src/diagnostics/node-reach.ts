import { connect } from 'node:net';
import type { Redis } from 'ioredis';
import { errorMessage } from '../kernel/errors.js';
import { redactText } from '../kernel/redact.js';
import { withTimeout } from '../kernel/timeout.js';
import { splitAddress, type Topology } from '../targets/topology.js';

/** Whether a node answered PING, how fast, and if not, why. */
export interface NodeReach {
  address: string;
  up: boolean;
  latencyMs?: number;
  /** Redacted: the socket error (`connect ECONNREFUSED 10.0.0.5:6379`) or the Redis error (auth, timeout). */
  error?: string;
  client?: Redis;
}

/**
 * Why a TCP connection to `address` fails, or undefined when it opens. ioredis rejects a failed connect with a bare
 * "Connection is closed."; the socket's own error (ECONNREFUSED, EHOSTUNREACH, a timeout) is what names the cause.
 */
export function tcpError(address: string, timeoutMs: number): Promise<string | undefined> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => done(`connect timed out after ${timeoutMs} ms (${address})`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err) => done(err.message));
  });
}

/**
 * Connects to a data node through the topology (its credentials, closed with the topology) and sends PING, all
 * within `timeoutMs`. `open` overrides how to connect (a URL target's own connection).
 */
export async function pingNode(
  topology: Topology,
  address: string,
  timeoutMs: number,
  open: () => Promise<Redis> = () => topology.node(address),
): Promise<NodeReach> {
  const started = performance.now();
  try {
    const client = await withTimeout(open(), timeoutMs, `connect to ${address}`, 'PROBE_TIMEOUT');
    await withTimeout(client.ping(), timeoutMs, `PING ${address}`, 'PROBE_TIMEOUT');
    return { address, up: true, latencyMs: Math.round((performance.now() - started) * 10) / 10, client };
  } catch (err) {
    const socket = await tcpError(address, timeoutMs);
    // Topology wraps the error as "<target>: node <addr> is unreachable: <cause>"; the cause is what matters.
    const message = errorMessage(err).replace(/^.*? is unreachable: /, '');
    return { address, up: false, error: redactText(socket ?? message) };
  }
}
