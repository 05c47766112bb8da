import { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../src/catalogs.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import type { DiagnosisReport } from '../../src/diagnostics/diagnosis.js';
import { QUEUES } from '../../src/jobs/catalog.js';
import { loadRunbooksOrThrow } from '../../src/runbooks/runbook-loader.js';
import { APPROVER, CHANNEL, type Harness, SIGNING_SECRET, startHarness } from '../support/bot-harness.js';

/**
 * Issue 9, "one hung target stalls every diagnosis": the whole bot, a target redis-server under SIGSTOP (it accepts
 * TCP, answers nothing) and a healthy one. More diagnoses of the hung target than the worker has slots are queued
 * first; a diagnosis of the healthy target queued after them still completes, the hung target's diagnoses fail
 * their steps within budget saying it timed out, one at a time, and the thread headlines them as failures.
 */
describe('a hung target (SIGSTOP) next to a healthy one', () => {
  let hung: RedisProcess;
  let healthy: RedisProcess;
  let h: Harness;
  let stopped = false;

  beforeEach(async () => {
    hung = await startRedis();
    healthy = await startRedis();
    h = await startHarness({
      targetUrl: hung.url,
      extraTargets: [{ name: 'cache-2', url: healthy.url, instance: 'redis-cache-2:6379' }],
    });
  });

  afterEach(async () => {
    if (stopped) process.kill(hung.pid, 'SIGCONT');
    stopped = false;
    await h?.stop();
    await hung?.stop();
    await healthy?.stop();
  });

  const diag = async (text: string) => {
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command: '/redis', text, user_id: APPROVER, channel_id: CHANNEL }),
    );
    const ack = (JSON.parse(res.text) as { text: string }).text;
    const incidentId = /INC-\d+/.exec(ack)?.[0];
    if (!incidentId) throw new Error(`no incident in the ack: ${ack}`);
    const jobs = await h.bot.services.queues
      .get('diagnostics')
      .getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']);
    const job = jobs.find((j) => j.data.incidentId === incidentId);
    if (!job?.id) throw new Error(`no diagnostics job for ${incidentId}`);
    return { incidentId, jobId: job.id };
  };

  it('fails the hung diagnoses one at a time within budget while the healthy one completes', async () => {
    process.kill(hung.pid, 'SIGSTOP');
    stopped = true;
    const first = await diag('diag cache-1 high-memory');
    // As many more for the hung target as the worker has slots: without per-target places they would take them all.
    const more = Array.from({ length: QUEUES.diagnostics.concurrency - 1 }, (_, i) => `hung-${i}`);
    for (const id of more) {
      await h.bot.services.queues.add(
        'diagnostics',
        { incidentId: first.incidentId, target: 'cache-1', runbook: 'high-memory', requestedBy: 'alertmanager' },
        id,
      );
    }
    const second = await diag('diag cache-2 high-memory');

    const report = (await h.waitForJob('diagnostics', second.jobId, 60_000)) as DiagnosisReport;
    expect(report.target).toBe('cache-2');
    expect(report.steps.every((s) => s.ok)).toBe(true);

    const hungIds = [first.jobId, ...more];
    const hungReports = (await Promise.all(
      hungIds.map((id) => h.waitForJob('diagnostics', id, 120_000)),
    )) as DiagnosisReport[];
    for (const r of hungReports) {
      expect(r.steps.length).toBeGreaterThan(0);
      for (const s of r.steps) {
        expect(s.ok).toBe(false);
        expect(s.error).toMatch(/^cache-1: .*timed out/);
      }
    }
    // The first step's budget (the runbook's, as the worker ran it) bounds the first step of each hung diagnosis.
    const runbook = loadRunbooksOrThrow('runbooks', builtInCatalogs()).find((r) => r.name === 'high-memory');
    const budgetMs = (runbook?.steps[0]?.timeoutSeconds ?? 0) * 1000;
    for (const r of hungReports) expect(r.steps[0]?.durationMs).toBeLessThan(budgetMs);

    const q = h.bot.services.queues.get('diagnostics');
    const [healthyJob, ...hungJobs] = await Promise.all([second.jobId, ...hungIds].map((id) => Job.fromId(q, id)));
    const firstHung = hungJobs.reduce((a, b) => ((a?.processedOn ?? 0) <= (b?.processedOn ?? 0) ? a : b));
    // From job state: the healthy diagnosis was done before the earliest hung one's first step budget ran out…
    expect(healthyJob?.finishedOn).toBeLessThan((firstHung?.processedOn ?? 0) + budgetMs);
    // …and the hung target's diagnoses ran one after another, never side by side.
    const spans = hungJobs
      .map((j) => ({ from: j?.processedOn ?? 0, to: j?.finishedOn ?? 0 }))
      .sort((a, b) => a.from - b.from);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.from).toBeGreaterThanOrEqual(spans[i - 1]?.to ?? 0);

    // The thread says the hung target could not be diagnosed; the healthy one gets its usual findings.
    const texts = h.slack.messages().map((m) => m.text);
    expect(texts.filter((t) => t.startsWith('Could not diagnose cache-1: timed out'))).toHaveLength(hungIds.length);
    expect(texts.some((t) => t.startsWith('Diagnosis High memory on cache-2'))).toBe(true);
    expect(texts.some((t) => /no threshold crossed/.test(t) && t.includes('cache-1'))).toBe(false);
  });
});
