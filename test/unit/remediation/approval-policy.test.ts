import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../../src/config/config-file.js';
import { checkApprover } from '../../../src/remediation/approval-policy.js';
import type { Proposal } from '../../../src/remediation/proposal.js';

const approvals: ConfigFile['approvals'] = {
  approvers: ['U0ALICE', 'U0BOB'],
  twoPersonRule: true,
  expiresAfter: 900_000,
};

function proposal(requester: string): Proposal {
  return {
    id: 'P-inc-1-1',
    incidentId: 'INC-1',
    action: 'memory-purge',
    title: 'Release fragmented memory',
    target: 'cache-1',
    params: '{"minRatio":1.5}',
    command: 'MEMORY PURGE',
    reason: 'fragmented',
    risk: '',
    status: 'pending',
    requester,
    createdAt: '2026-11-23T14:00:00.000Z',
    expiresAt: '2026-11-23T14:15:00.000Z',
    decidedBy: '',
    decidedAt: '',
    channel: '',
    messageTs: '',
    result: '',
  };
}

describe('checkApprover', () => {
  it('lets a configured approver approve a bot proposal', () => {
    expect(checkApprover('U0ALICE', proposal('bot'), approvals)).toEqual({ ok: true });
    expect(checkApprover('U0BOB', proposal('bot'), approvals)).toEqual({ ok: true });
  });

  it('refuses someone who is not an approver, saying nothing was run', () => {
    const r = checkApprover('U0MALLORY', proposal('bot'), approvals);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/not on the approvers list.*nothing was run/) });
  });

  it('matches ids exactly', () => {
    expect(checkApprover('u0alice', proposal('bot'), approvals).ok).toBe(false);
    expect(checkApprover('U0ALIC', proposal('bot'), approvals).ok).toBe(false);
  });

  it('refuses everyone when no approvers are configured', () => {
    expect(checkApprover('U0ALICE', proposal('bot'), { ...approvals, approvers: [] }).ok).toBe(false);
  });

  it('applies the two-person rule: the requester may not approve their own proposal', () => {
    const r = checkApprover('U0ALICE', proposal('U0ALICE'), approvals);
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/two-person rule/) });
    expect(checkApprover('U0BOB', proposal('U0ALICE'), approvals)).toEqual({ ok: true });
  });

  it('lets the requester approve when the two-person rule is off', () => {
    expect(checkApprover('U0ALICE', proposal('U0ALICE'), { ...approvals, twoPersonRule: false })).toEqual({ ok: true });
  });

  it('checks the approvers list before the two-person rule', () => {
    const r = checkApprover('U0MALLORY', proposal('U0MALLORY'), approvals);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/approvers list/);
  });
});
