import { describe, expect, it } from 'vitest';
import { CHANNEL_NAME_MAX, incidentChannelName } from '../../../src/incidents/incident-channel.js';

describe('incidentChannelName', () => {
  it('slugifies the id and title as Slack requires', () => {
    expect(incidentChannelName('INC-12', 'Checkout cache: evicting!')).toBe('inc-12-checkout-cache-evicting');
    expect(incidentChannelName('INC-3', '  Café — <!channel> & sessions_eu  ')).toBe('inc-3-cafe-channel-sessions_eu');
    expect(incidentChannelName('INC-3', '')).toBe('inc-3');
  });

  it('keeps within 80 characters, suffix included, and never ends on a dash', () => {
    const long = 'Redis out of configured maxmemory on the checkout cache primary in eu-west-1 during the sale';
    const name = incidentChannelName('INC-1234', long);
    expect(name.length).toBeLessThanOrEqual(CHANNEL_NAME_MAX);
    expect(name).toMatch(
      /^inc-1234-redis-out-of-configured-maxmemory-on-the-checkout-cache-primary-in[a-z-]*[a-z0-9]$/,
    );
    for (const attempt of [2, 10, 20]) {
      const suffixed = incidentChannelName('INC-1234', long, attempt);
      expect(suffixed.length).toBeLessThanOrEqual(CHANNEL_NAME_MAX);
      expect(suffixed.endsWith(`-${attempt}`)).toBe(true);
      expect(suffixed).not.toMatch(/--/);
    }
    expect(incidentChannelName('INC-7', 'Sessions lost', 2)).toBe('inc-7-sessions-lost-2');
  });

  it('only ever yields characters Slack accepts', () => {
    for (const title of ['ÄÖÜ ß', '日本語のタイトル', '../../etc', 'a.b.c', 'UPPER lower 123']) {
      expect(incidentChannelName('INC-1', title)).toMatch(/^[a-z0-9_-]{1,80}$/);
    }
  });
});
