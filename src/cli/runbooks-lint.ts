/**
 * `npm run runbooks:lint [dir]`, or `node dist/src/cli/runbooks-lint.js [dir]` where only the build is shipped:
 * validates every runbook in `dir` (default RUNBOOKS_DIR, validated as the bot validates it, else ./runbooks)
 * against the schema and the probe/action catalogs; prints `file: path: reason` per error and exits 1 on any.
 */

import { builtInCatalogs } from '../catalogs.js';
import { loadCliEnv, RunbooksLintCliEnvSchema } from '../config/cli-env.js';
import { isAppError } from '../kernel/errors.js';
import { formatLintErrors, loadRunbooks } from '../runbooks/runbook-loader.js';

function runbooksDir(): string {
  const fromArgs = process.argv[2];
  if (fromArgs) return fromArgs;
  try {
    return loadCliEnv(RunbooksLintCliEnvSchema).RUNBOOKS_DIR;
  } catch (err) {
    process.stderr.write(`runbooks:lint: ${isAppError(err) ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

const dir = runbooksDir();
const { runbooks, errors } = loadRunbooks(dir, builtInCatalogs());
if (errors.length) {
  process.stderr.write(`${formatLintErrors(errors)}\n${errors.length} error(s) in ${dir}\n`);
  process.exit(1);
}
process.stdout.write(`${runbooks.length} runbook(s) OK in ${dir}: ${runbooks.map((r) => r.name).join(', ')}\n`);
