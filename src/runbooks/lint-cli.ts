/**
 * `npm run runbooks:lint [dir]`: validates every runbook in `dir` (default RUNBOOKS_DIR or ./runbooks) against the
 * schema and the probe/action catalogs; prints `file: path: reason` per error and exits 1 on any.
 */
import { builtInCatalogs } from './catalogs.js';
import { formatLintErrors, loadRunbooks } from './runbook-loader.js';

const dir = process.argv[2] ?? process.env.RUNBOOKS_DIR ?? './runbooks';
const { runbooks, errors } = loadRunbooks(dir, builtInCatalogs());
if (errors.length) {
  process.stderr.write(`${formatLintErrors(errors)}\n${errors.length} error(s) in ${dir}\n`);
  process.exit(1);
}
process.stdout.write(`${runbooks.length} runbook(s) OK in ${dir}: ${runbooks.map((r) => r.name).join(', ')}\n`);
