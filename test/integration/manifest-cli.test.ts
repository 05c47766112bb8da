import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * `npm run -s manifest -- …` as an operator runs it (builds dist/ first, then runs the compiled CLI); with
 * `built`, the compiled CLI directly, as the Docker image runs it, once a first call has built it.
 */
async function manifest(args: string[], built = false) {
  const [cmd, argv] = built
    ? [process.execPath, ['dist/src/cli/manifest.js', ...args]]
    : ['npm', ['run', '-s', 'manifest', '--', ...args]];
  try {
    const { stdout, stderr } = await run(cmd, argv, {
      cwd: ROOT,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

type Printed = {
  features: { slash_commands: Array<{ command: string; url?: string; should_escape: boolean }> };
  settings: { interactivity: { is_enabled: boolean; request_url?: string }; socket_mode_enabled: boolean };
};

describe('npm run -s manifest', () => {
  it('prints the HTTP manifest with every request URL at <url>/slack/events, and only the manifest', async () => {
    const { code, stdout, stderr } = await manifest(['--url', 'https://incidents.acme.test']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const m = parseYaml(stdout) as Printed;
    const url = 'https://incidents.acme.test/slack/events';
    expect(m.features.slash_commands.map((c) => [c.command, c.url, c.should_escape])).toEqual([
      ['/incident', url, true],
      ['/redis', url, true],
    ]);
    expect(m.settings.interactivity).toEqual({ is_enabled: true, request_url: url });
    expect(m.settings.socket_mode_enabled).toBe(false);
    expect(stdout).not.toContain('bot.example.com');
  });

  it('prints the Socket Mode manifest with no URLs', async () => {
    const { code, stdout } = await manifest(['--socket'], true);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/https?:\/\//);
    const m = parseYaml(stdout) as Printed;
    expect(m.settings.socket_mode_enabled).toBe(true);
    expect(m.settings.interactivity).toEqual({ is_enabled: true });
  });

  it('refuses a URL Slack could not call, and no mode at all, with usage (exit 2)', async () => {
    const plain = await manifest(['--url', 'http://bot.example.com'], true);
    expect(plain).toMatchObject({ code: 2, stdout: '' });
    expect(plain.stderr).toMatch(/^manifest: --url must be the public https:\/\/ URL/);
    const none = await manifest([], true);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('usage: npm run -s manifest -- --url https://bot.example.com');
  });
});
