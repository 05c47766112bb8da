import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-process.js';

export interface AlertmanagerProcess {
  url: string;
  /** The `prometheus-alertmanager` process, so an owner can stop it by PID even when its own code failed. */
  pid: number;
  /** POST /api/v2/alerts, as Prometheus does. */
  postAlerts(
    alerts: Array<{
      labels: Record<string, string>;
      annotations?: Record<string, string>;
      startsAt?: string;
      endsAt?: string;
      generatorURL?: string;
    }>,
  ): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real `prometheus-alertmanager` (Debian) with one webhook receiver pointing at the bot, Bearer auth configured
 * the way an operator would (`http_config.authorization`), short group timers so a test sees notifications in
 * seconds. Clustering is off; storage is a temp dir removed on stop.
 */
export async function startAlertmanager(o: {
  webhookUrl: string;
  token: string;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}): Promise<AlertmanagerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rib-am-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    [
      'route:',
      '  receiver: incident-bot',
      '  group_by: [alertname, instance]',
      `  group_wait: ${o.groupWait ?? '1s'}`,
      `  group_interval: ${o.groupInterval ?? '2s'}`,
      `  repeat_interval: ${o.repeatInterval ?? '1h'}`,
      'receivers:',
      '  - name: incident-bot',
      '    webhook_configs:',
      `      - url: ${o.webhookUrl}`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      `            credentials: ${o.token}`,
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${config}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new Error(`cannot start prometheus-alertmanager (run scripts/ensure-deps.sh): ${err.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`prometheus-alertmanager exited with ${code}: ${stderr}`)));
  });
  exited.catch(() => {});
  // Ready when /-/ready answers; the process exiting first rejects at once.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await Promise.race([
      fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
      exited,
    ]);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus-alertmanager not ready after 20 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid ?? -1,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`alertmanager refused alerts: ${res.status} ${await res.text()}`);
    },
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
