import { describe, expect, it } from 'vitest';
import { IncidentIdSchema, ProposalIdSchema, SlackUserIdSchema } from '../../../src/kernel/ids.js';

describe('id schemas', () => {
  it('accepts incident ids as the store allocates them, and nothing else', () => {
    expect(IncidentIdSchema.safeParse('INC-12').success).toBe(true);
    for (const bad of ['INC-', 'inc-12', 'INC-12a', 'P-abc', ''])
      expect(IncidentIdSchema.safeParse(bad).success).toBe(false);
  });

  it('accepts proposal ids as diagnosis mints them', () => {
    expect(ProposalIdSchema.safeParse('P-1a2b3c4d5e6f').success).toBe(true);
    for (const bad of ['P-', 'P-ABC', 'INC-1', 'P-a b']) expect(ProposalIdSchema.safeParse(bad).success).toBe(false);
  });

  it('accepts Slack member and Enterprise Grid user ids, not channels or groups', () => {
    for (const ok of ['U0ALICE', 'W0BOB']) expect(SlackUserIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['C0CHAN', 'S0GROUP', 'u0alice', '<@U0ALICE>']) {
      expect(SlackUserIdSchema.safeParse(bad).success).toBe(false);
    }
  });
});
