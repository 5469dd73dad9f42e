/**
 * --compare FILE: the previous report of the same target, read and checked before the run so
 * that a wrong file costs nothing. Errors say in one sentence what is wrong and what to do.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LeakReport } from '../report/types';
import { validateReport } from '../report/validate';
import { CliError, UsageError, type ParsedArgs } from './args';

/** Big enough for a report with its graphs; a larger file is not one (reports are a few MB at most). */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export function readPreviousReport(args: ParsedArgs): LeakReport | undefined {
  const raw = args.options.get('compare');
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--compare needs a report file written by --json');
  const file = path.resolve(raw);
  const cannot = `Cannot compare with ${file}:`;
  const what = 'give --compare a report written by leak-lens profile --json.';
  let text: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.length > MAX_REPORT_BYTES) throw new CliError(`${cannot} at ${buffer.length} bytes it is too large to be a report; ${what}`);
    text = buffer.toString('utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'it is not readable' : ((e as Error).message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, ''));
    throw new CliError(`${cannot} ${reason}; ${what}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new CliError(`${cannot} it is not JSON; ${what}`);
  }
  try {
    return validateReport(parsed);
  } catch (e) {
    const reason = (e as Error).message.replace(/^Not a Leak Lens report: /, '');
    throw new CliError(`${cannot} it is not a Leak Lens report (${reason}); ${what}`);
  }
}
