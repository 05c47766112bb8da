import { describe, expect, it } from 'vitest';
import {
  killIdleClientsAction as action,
  clientIp,
  exemption,
  ipOf,
  parseClientList,
} from '../../../../src/remediation/actions/kill-idle-clients.js';

const metrics = (addr: string, idle: number) => ({
  'client_list.top_addr': addr,
  'client_list.top_addr_idle_clients': idle,
});

describe('kill-idle-clients plan', () => {
  it('targets the top address with the default 300 s idle threshold', () => {
    expect(action.plan(metrics('10.0.3.7', 812), {})).toEqual({ addr: '10.0.3.7', minIdleSeconds: 300 });
  });

  it('takes minIdleSeconds from the runbook params', () => {
    expect(action.plan(metrics('10.0.3.7', 5), { minIdleSeconds: 60 })).toEqual({
      addr: '10.0.3.7',
      minIdleSeconds: 60,
    });
  });

  it('drops a port from the address', () => {
    expect(action.plan(metrics('10.0.3.7:51234', 5), {})?.addr).toBe('10.0.3.7');
    expect(action.plan(metrics('[2001:db8::7]:51234', 5), {})?.addr).toBe('2001:db8::7');
    expect(action.plan(metrics('2001:db8::7', 5), {})?.addr).toBe('2001:db8::7');
  });

  it('declines without idle clients or a usable address', () => {
    expect(action.plan(metrics('10.0.3.7', 0), {})).toBeUndefined();
    expect(action.plan({ 'client_list.top_addr': '10.0.3.7' }, {})).toBeUndefined();
    expect(action.plan(metrics('(none)', 3), {})).toBeUndefined();
    expect(action.plan(metrics('', 3), {})).toBeUndefined();
    expect(action.plan({}, {})).toBeUndefined();
  });

  it.each([{ minIdleSeconds: 0 }, { minIdleSeconds: 1.5 }, { addr: '1.2.3.4' }])('refuses options %j', (o) => {
    expect(() => action.plan(metrics('10.0.3.7', 5), o)).toThrow();
  });

  it('refuses params with a port or a pattern', () => {
    expect(action.paramsSchema.safeParse({ addr: '10.0.3.7:6379', minIdleSeconds: 300 }).success).toBe(false);
    expect(action.paramsSchema.safeParse({ addr: '10.0.3.*', minIdleSeconds: 300 }).success).toBe(false);
    expect(action.paramsSchema.safeParse({ addr: '10.0.3.7', minIdleSeconds: 300 }).success).toBe(true);
  });
});

describe('kill-idle-clients command', () => {
  it('names the address, the threshold and the per-ID kill', () => {
    expect(action.command({ addr: '10.0.3.7', minIdleSeconds: 300 })).toBe(
      'CLIENT KILL ID <id> for each client of 10.0.3.7 idle ≥ 300 s (at most 10000)',
    );
  });
});

describe('CLIENT LIST parsing and exemptions', () => {
  const LIST = [
    'id=3 addr=10.0.3.7:50001 laddr=10.0.0.1:6379 fd=8 name= age=900 idle=900 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=get user=default',
    'id=4 addr=10.0.3.7:50002 laddr=10.0.0.1:6379 fd=9 name=worker age=900 idle=900 flags=b db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=blpop user=default',
    'id=5 addr=10.0.3.7:50003 laddr=10.0.0.1:6379 fd=10 name=events age=900 idle=900 flags=P db=0 sub=2 psub=0 ssub=0 multi=-1 cmd=subscribe user=default',
    'id=6 addr=10.0.0.2:6380 laddr=10.0.0.1:6379 fd=11 name= age=900 idle=1 flags=S db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=replconf user=default',
    'id=7 addr=[2001:db8::7]:50004 laddr=[::1]:6379 fd=12 name=redis-incident-bot age=2 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=client|list user=default',
    '',
  ].join('\n');
  const clients = parseClientList(LIST);

  it('reads every field of every client', () => {
    expect(clients).toHaveLength(5);
    expect(clients[0]).toMatchObject({ id: '3', addr: '10.0.3.7:50001', name: '', idle: '900', flags: 'N' });
    expect(clients.map(clientIp)).toEqual(['10.0.3.7', '10.0.3.7', '10.0.3.7', '10.0.0.2', '2001:db8::7']);
  });

  it('exempts blocked workers, subscribers, replicas and the bot itself', () => {
    expect(clients.map((c) => exemption(c, '99') ?? 'candidate')).toEqual([
      'candidate',
      'flags b',
      'flags P',
      'flags S',
      'the bot itself',
    ]);
    expect(exemption({ id: '3', flags: 'N', sub: '1' }, '99')).toBe('subscriber');
    expect(exemption({ id: '3', flags: 'N' }, '3')).toBe('the bot itself');
    expect(exemption({ id: '3', flags: 'x' }, '9')).toBe('flags x');
  });

  it('takes the IP out of an address', () => {
    expect(ipOf('1.2.3.4:5')).toBe('1.2.3.4');
    expect(ipOf('[::1]:5')).toBe('::1');
    expect(ipOf('1.2.3.4')).toBe('1.2.3.4');
  });
});
