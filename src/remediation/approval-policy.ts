import type { ConfigFile } from '../config/config-file.js';
import type { Proposal } from './proposal.js';

export type ApprovalCheck = { ok: true } | { ok: false; reason: string };

/** Who may approve: a configured approver, not the requester when the two-person rule is on. Pure. */
export function checkApprover(user: string, proposal: Proposal, approvals: ConfigFile['approvals']): ApprovalCheck {
  if (!approvals.approvers.includes(user)) {
    return { ok: false, reason: 'you are not on the approvers list for remediations, so nothing was run' };
  }
  if (approvals.twoPersonRule && proposal.requester === user) {
    return { ok: false, reason: 'the two-person rule is on: someone other than the requester must approve' };
  }
  return { ok: true };
}
