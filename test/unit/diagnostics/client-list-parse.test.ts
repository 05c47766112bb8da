import { describe, expect, it } from 'vitest';
import {
  type ClientEntry,
  hostOf,
  median,
  parseClientLine,
  summarizeClients,
  waitsByDesign,
} from '../../../src/diagnostics/probes/client-list.js';

// Real `CLIENT LIST` lines from redis-server 7.0 (one per client, space-separated key=value).
const APP =
  'id=7 addr=10.0.1.5:51234 laddr=10.0.1.10:6379 fd=8 name=checkout age=120 idle=95 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1800 events=r cmd=get user=default redir=-1 resp=2';
const SUBSCRIBER =
  'id=9 addr=10.0.1.6:40000 laddr=10.0.1.10:6379 fd=9 name= age=900 idle=900 flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 tot-mem=1800 events=r cmd=subscribe user=default redir=-1 resp=2';

function client(over: Partial<ClientEntry>): ClientEntry {
  return {
    id: '1',
    addr: '10.0.0.1:1',
    host: '10.0.0.1',
    name: '',
    user: 'default',
    idle: 0,
    age: 0,
    cmd: 'get',
    flags: 'N',
    subscriptions: 0,
    ...over,
  };
}

describe('parseClientLine', () => {
  it('reads the fields the probe groups by', () => {
    expect(parseClientLine(APP)).toEqual({
      id: '7',
      addr: '10.0.1.5:51234',
      host: '10.0.1.5',
      name: 'checkout',
      user: 'default',
      idle: 95,
      age: 120,
      cmd: 'get',
      flags: 'N',
      subscriptions: 0,
    });
  });

  it('keeps an empty name empty and counts subscriptions', () => {
    const c = parseClientLine(SUBSCRIBER);
    expect(c?.name).toBe('');
    expect(c?.subscriptions).toBe(1);
    expect(c && waitsByDesign(c)).toBe(true);
  });

  it('refuses blank and malformed lines', () => {
    expect(parseClientLine('')).toBeUndefined();
    expect(parseClientLine('garbage without fields')).toBeUndefined();
    expect(parseClientLine('id=1 name=x')).toBeUndefined();
  });

  it('tolerates a trailing \\r and unknown fields', () => {
    expect(parseClientLine('id=3 addr=127.0.0.1:5 idle=2 lib-name=ioredis cmd=ping\r')?.cmd).toBe('ping');
  });
});

describe('hostOf', () => {
  it('drops the port of IPv4, bracketed IPv6 and unix socket addresses', () => {
    expect(hostOf('127.0.0.1:6379')).toBe('127.0.0.1');
    expect(hostOf('[::1]:50000')).toBe('::1');
    expect(hostOf('[fd00::5]:1')).toBe('fd00::5');
    expect(hostOf('/run/redis.sock:0')).toBe('/run/redis.sock');
  });
});

describe('median', () => {
  it('handles odd, even and empty lists', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe('summarizeClients', () => {
  it('names the leaking address: most connections, mostly idle, with its usual client name', () => {
    const clients = [
      ...Array.from({ length: 8 }, (_, i) =>
        client({ id: `a${i}`, addr: `10.0.0.9:${i}`, host: '10.0.0.9', name: 'worker', idle: 300 + i }),
      ),
      client({ id: 'b1', addr: '10.0.0.2:1', host: '10.0.0.2', name: 'api', idle: 0, cmd: 'set' }),
      client({ id: 'b2', addr: '10.0.0.3:1', host: '10.0.0.3', name: 'api', idle: 1 }),
    ];
    const { metrics, tables } = summarizeClients(clients, { idleSeconds: 60, top: 10 });
    expect(metrics['client_list.total_clients']).toBe(10);
    expect(metrics['client_list.addresses']).toBe(3);
    expect(metrics['client_list.top_addr']).toBe('10.0.0.9');
    expect(metrics['client_list.top_addr_clients']).toBe(8);
    expect(metrics['client_list.top_addr_pct']).toBe(80);
    expect(metrics['client_list.top_addr_idle_clients']).toBe(8);
    expect(metrics['client_list.top_addr_idle_pct']).toBe(100);
    expect(metrics['client_list.top_addr_idle_median_s']).toBe(303.5);
    expect(metrics['client_list.top_addr_name']).toBe('worker');
    expect(metrics['client_list.top_name']).toBe('worker');
    expect(metrics['client_list.top_cmd']).toBe('get');
    expect(metrics['client_list.idle_clients']).toBe(8);
    expect(tables.map((t) => t.title)).toEqual([
      'Clients by address',
      'Clients by name',
      'Clients by last command',
      'Clients by idle time',
    ]);
    expect(tables[0]?.rows[0]?.slice(0, 4)).toEqual(['10.0.0.9', '8', '80%', '8']);
  });

  it('does not count subscribers, blocked clients and replicas as idle', () => {
    const clients = [
      client({ id: '1', idle: 5000, flags: 'P', subscriptions: 2 }),
      client({ id: '2', idle: 5000, flags: 'b', cmd: 'blpop' }),
      client({ id: '3', idle: 5000, flags: 'S', cmd: 'replconf' }),
      client({ id: '4', idle: 5000 }),
    ];
    const { metrics } = summarizeClients(clients, { idleSeconds: 60, top: 10 });
    expect(metrics['client_list.idle_clients']).toBe(1);
    expect(metrics['client_list.top_addr_idle_pct']).toBe(25);
  });

  it('reports an empty list without dividing by zero', () => {
    const { metrics } = summarizeClients([], { idleSeconds: 60, top: 10 });
    expect(metrics['client_list.top_addr']).toBe('(none)');
    expect(metrics['client_list.top_addr_pct']).toBe(0);
    expect(metrics['client_list.idle_pct']).toBe(0);
  });
});
