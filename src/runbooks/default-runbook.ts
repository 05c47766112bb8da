import type { Target } from '../config/config-file.js';
import { AppError } from '../kernel/errors.js';

/** What `/redis diag <target>` runs when neither the command nor the target names a runbook. */
export const DEFAULT_RUNBOOK = 'overview';

/** The runbook `/redis diag <target>` runs without a runbook name: the target's `defaultRunbook`, else `overview`. */
export function defaultRunbookFor(target: Pick<Target, 'defaultRunbook'>): string {
  return target.defaultRunbook ?? DEFAULT_RUNBOOK;
}

/**
 * Start-up check: every `defaultRunbook` a target names is a loaded runbook, so a typo stops the bot with the YAML
 * path instead of failing a command later.
 */
export function assertDefaultRunbooks(
  targets: ReadonlyArray<Pick<Target, 'name' | 'defaultRunbook'>>,
  runbooks: ReadonlyArray<{ name: string }>,
): void {
  const names = new Set(runbooks.map((r) => r.name));
  const bad = targets.flatMap((t, i) =>
    t.defaultRunbook !== undefined && !names.has(t.defaultRunbook)
      ? [`  targets.${i}.defaultRunbook: no runbook "${t.defaultRunbook}" is loaded (target ${t.name})`]
      : [],
  );
  if (bad.length) {
    const loaded = [...names].sort().join(', ') || 'none';
    throw new AppError('CONFIG_INVALID', `CONFIG_FILE:\n${bad.join('\n')}\n  loaded runbooks: ${loaded}`);
  }
}
