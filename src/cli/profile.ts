/**
 * `leak-lens profile <script>` (launch under --inspect), `leak-lens attach <host:port|ws-url>`
 * and `leak-lens diff <baseline> <target> [--final f]`: the live hunt and its offline twin.
 * Exit code 1 when a leak is found, 0 when clean, 2 on usage or connection errors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { connectInspector } from '../inspector/connect';
import { profileFunction, waitUntilStarted, type FunctionSpec } from '../profile/profileFunction';
import { diffSnapshotFiles, SnapshotFileError } from '../profile/diffSnapshots';
import { DEFAULT_PROFILE_OPTIONS, type LeakReport, type ProfileOptions } from '../report/types';
import { parseArgs, UsageError, wholeNumber, type ParsedArgs } from './args';
import { PANEL_SCRIPT_PATH, PANEL_STYLE_PATH, standaloneHtml } from '../report/page';
import { launchWithInspector } from './launch';
import { renderReport } from './renderReport';

export const PROFILE_USAGE = `leak-lens profile <script.js> --function <name | file:line | expression> [options] [-- script args]
  Starts node --inspect=127.0.0.1:0 <script>, runs the function N times inside it, and reports
  what survived, who holds it, and how to fix it.
leak-lens attach <host:port | ws-url> --function <...> [options]
  The same on a running process started with --inspect (loopback only unless --allow-remote).
    --function F        a name (loadApp), a location (src/app.js:42), or an expression (globalThis.app.load)
    --args <js>         expression for the arguments array, e.g. '["bot-1"]'
    --this <js>         expression for the receiver of a method
    --iterations N      calls per phase (default 7)      --warmup N   warm-up calls (default 1)
    --timeout MS        per-call timeout (default 30000) --max-depth N / --too-many N  graph size
    --save-snapshots D  write baseline/target/final .heapsnapshot files to D
    --json              print the LeakReport as JSON
    --html FILE         also write the report as a page (chart, table, retainer graph)
leak-lens diff <baseline> <target> [--final <file>] [--iterations N] [--max-depth N] [--too-many N] [--json] [--html FILE]
  The verdict from saved snapshots of one process (ids must come from one HeapProfiler session).
  Without --final every new object in the target counts as surviving: give a final snapshot
  (taken after N more calls) for the memlab-style "still alive" check.`;

const VALUED = ['function', 'args', 'this', 'iterations', 'warmup', 'timeout', 'max-depth', 'too-many', 'save-snapshots', 'html'];
const FLAGS = ['json', 'allow-remote'];

function profileOptions(args: ParsedArgs): ProfileOptions {
  return {
    iterations: wholeNumber(args, 'iterations', DEFAULT_PROFILE_OPTIONS.iterations, 2),
    warmup: wholeNumber(args, 'warmup', DEFAULT_PROFILE_OPTIONS.warmup, 0),
    callTimeoutMs: wholeNumber(args, 'timeout', DEFAULT_PROFILE_OPTIONS.callTimeoutMs, 1),
    maxDepth: wholeNumber(args, 'max-depth', DEFAULT_PROFILE_OPTIONS.maxDepth, 1),
    tooMany: wholeNumber(args, 'too-many', DEFAULT_PROFILE_OPTIONS.tooMany, 1),
  };
}

/** --function: file:line, an identifier, or any other expression. */
export function functionSpec(args: ParsedArgs, script?: string): FunctionSpec {
  const raw = args.options.get('function');
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--function is required (a name, file:line, or an expression)');
  const spec: FunctionSpec = {};
  const at = /^(.*\.(?:[cm]?[jt]s|jsx|tsx)):(\d+)(?::(\d+))?$/.exec(raw);
  if (at) {
    spec.file = path.resolve(at[1]);
    spec.line = Number(at[2]);
    if (at[3]) spec.column = Number(at[3]);
  } else if (/^[A-Za-z_$][\w$]*$/.test(raw)) {
    spec.name = raw;
    if (script) spec.file = path.resolve(script);
  } else {
    spec.expression = raw;
  }
  const a = args.options.get('args');
  if (typeof a === 'string') spec.args = a;
  const t = args.options.get('this');
  if (typeof t === 'string') spec.thisArg = t;
  return spec;
}

function emit(report: LeakReport, args: ParsedArgs, out: NodeJS.WritableStream): number {
  const html = args.options.get('html');
  if (typeof html === 'string') writeHtmlReport(report, path.resolve(html));
  out.write((args.options.has('json') ? JSON.stringify(report, null, 2) : renderReport(report)) + '\n');
  return report.verdict === 'leak' ? 1 : 0;
}

/** The report as one self-contained page: the webview's bundle and styles inlined. */
function writeHtmlReport(report: LeakReport, file: string): void {
  // This bundle is dist/cli.js: the package root is one up.
  const script = readFileSync(path.join(__dirname, '..', PANEL_SCRIPT_PATH), 'utf8');
  const css = readFileSync(path.join(__dirname, '..', PANEL_STYLE_PATH), 'utf8');
  writeFileSync(file, standaloneHtml(report, script, css));
}

function progressTo(err: NodeJS.WritableStream): (phase: string, done?: number, total?: number) => void {
  let last = '';
  return (phase) => {
    const label = phase.split(':')[0];
    if (label === last || label === 'analysis' || /parse|retainers|distances|classes|dominators/.test(phase)) return;
    last = label;
    err.write(`${label}…\n`);
  };
}

export async function profileCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : argv;
  const scriptArgs = split >= 0 ? argv.slice(split + 1) : [];
  const args = parseArgs(own, VALUED, FLAGS);
  if (args.positionals.length !== 1) throw new UsageError('profile takes one script to run');
  const script = path.resolve(args.positionals[0]);
  const spec = functionSpec(args, script);
  const options = profileOptions(args);
  const launched = await launchWithInspector(script, scriptArgs, { output: err });
  try {
    const session = await connectInspector(launched.wsUrl);
    try {
      await waitUntilStarted(session);
      const report = await profileFunction(session, spec, options, {
        targetKind: 'launch',
        resolveRetryMs: 10_000,
        targetDescription: `node ${path.relative(process.cwd(), script) || script}`,
        onProgress: progressTo(err),
        saveSnapshotsDir: saveDir(args),
      });
      return emit(report, args, out);
    } finally {
      await session.close();
    }
  } finally {
    await launched.stop();
  }
}

export async function attachCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, VALUED, FLAGS);
  if (args.positionals.length !== 1) throw new UsageError('attach takes one inspector address (host:port or ws:// URL)');
  const target = args.positionals[0];
  const spec = functionSpec(args);
  const session = await connectInspector(target, { allowRemote: args.options.has('allow-remote') });
  try {
    const report = await profileFunction(session, spec, profileOptions(args), {
      targetKind: 'attach',
      targetDescription: `inspector at ${target}`,
      onProgress: progressTo(err),
      saveSnapshotsDir: saveDir(args),
    });
    return emit(report, args, out);
  } finally {
    await session.close();
  }
}

function saveDir(args: ParsedArgs): string | undefined {
  const d = args.options.get('save-snapshots');
  return typeof d === 'string' ? path.resolve(d) : undefined;
}

export async function diffCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['final', 'iterations', 'max-depth', 'too-many', 'html'], ['json']);
  if (args.positionals.length !== 2) throw new UsageError('diff takes a baseline and a target snapshot');
  const [baseline, target] = args.positionals;
  const finalRaw = args.options.get('final');
  let last = '';
  try {
    const report = await diffSnapshotFiles(
      { baseline, target, final: typeof finalRaw === 'string' ? finalRaw : undefined },
      profileOptions(args),
      {
        onProgress: (phase) => {
          if (phase !== last) err.write(`${(last = phase)}…\n`);
        },
      },
    );
    return emit(report, args, out);
  } catch (e) {
    if (e instanceof SnapshotFileError) throw new UsageError(e.message);
    throw e;
  }
}
