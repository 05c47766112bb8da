import { approveButtonValue } from '../../src/devtools/slack-messages.js';
import { blockActionBody, postSigned } from '../../src/devtools/slack-signer.js';
import type { SlackStandIn, StandInMessage } from '../../src/devtools/slack-stand-in.js';
import type { ProposalStore } from '../../src/remediation/proposal-store.js';

interface Click {
  message: StandInMessage;
  clicks: number;
  lastAt: number;
  answers: string[];
}

/** Actions an approver is happy to run on the throwaway targets (all reversible config changes or a BGSAVE). */
const PREFERRED = ['config-set-maxmemory', 'eviction-policy', 'memory-purge', 'bgsave'];

/**
 * An on-call approver clicking Approve on proposals Slack shows, signed exactly as Slack signs a click. Picks one
 * proposal per incident and action (never a second fix of the same kind on one incident), spreads clicks over
 * incidents, and clicks again, as a person would, when a click left the proposal pending (at most three times).
 */
export class Approver {
  private readonly clicks = new Map<string, Click>();

  constructor(
    private readonly o: {
      slack: SlackStandIn;
      proposals: ProposalStore;
      eventsUrl: string;
      secret: string;
      user: string;
    },
  ) {}

  /** Proposal ids clicked at least once. */
  clicked(): Set<string> {
    return new Set(this.clicks.keys());
  }

  /** Answers from /slack/events, tallied (`200`, `503`, `error: …`). */
  answers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.clicks.values()) for (const a of c.answers) out[a] = (out[a] ?? 0) + 1;
    return out;
  }

  /** Clicks one new proposal if fewer than `quota` were clicked; re-clicks ones a click left pending. */
  async tick(quota: number): Promise<void> {
    await this.retryPending();
    if (this.clicks.size >= quota) return;
    const next = await this.pick();
    if (next) await this.click(next.id, next.message);
  }

  private async retryPending(): Promise<void> {
    const now = Date.now();
    for (const [id, c] of this.clicks) {
      if (c.clicks >= 3 || now - c.lastAt < 10_000) continue;
      const p = await this.o.proposals.get(id).catch(() => undefined);
      if (p?.status === 'pending') await this.click(id, c.message);
    }
  }

  private async pick(): Promise<{ id: string; message: StandInMessage } | undefined> {
    const taken = new Set<string>();
    const busyIncidents = new Map<string, number>();
    for (const id of this.clicks.keys()) {
      const p = await this.o.proposals.get(id).catch(() => undefined);
      if (!p) continue;
      taken.add(`${p.incidentId}|${p.action}`);
      busyIncidents.set(p.incidentId, (busyIncidents.get(p.incidentId) ?? 0) + 1);
    }
    const candidates: Array<{ id: string; message: StandInMessage; rank: number }> = [];
    for (const m of this.o.slack.messages()) {
      const id = approveButtonValue(m);
      if (!id || this.clicks.has(id)) continue;
      const p = await this.o.proposals.get(id).catch(() => undefined);
      if (p?.status !== 'pending' || taken.has(`${p.incidentId}|${p.action}`)) continue;
      const pref = PREFERRED.indexOf(p.action);
      if (pref < 0) continue;
      candidates.push({ id, message: m, rank: (busyIncidents.get(p.incidentId) ?? 0) * 10 + pref });
    }
    candidates.sort((a, b) => a.rank - b.rank);
    return candidates[0];
  }

  private async click(id: string, message: StandInMessage): Promise<void> {
    const c = this.clicks.get(id) ?? { message, clicks: 0, lastAt: 0, answers: [] };
    this.clicks.set(id, c);
    c.clicks++;
    c.lastAt = Date.now();
    const body = blockActionBody({
      actionId: 'proposal_approve',
      value: id,
      userId: this.o.user,
      channel: message.channel,
      messageTs: message.ts,
      ...(message.threadTs ? { threadTs: message.threadTs } : {}),
    });
    try {
      const res = await Promise.race([
        postSigned(this.o.eventsUrl, this.o.secret, body),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5_000)),
      ]);
      c.answers.push(String(res.status));
    } catch (err) {
      c.answers.push(`error: ${(err as Error).message}`);
    }
  }
}
