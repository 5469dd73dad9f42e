/**
 * `leak-lens profile <script>` (launch under --inspect), `leak-lens attach <host:port|ws-url>`
 * and `leak-lens diff <baseline> <target> [--final f]`: the live hunt and its offline twin.
 * Exit code 1 when a leak is found, 0 when clean, 2 on usage or connection errors.
 */
import { accessSync, constants, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { connectInspector, inspectorsAfter } from '../inspector/connect';
import type { InspectorSession } from '../inspector/session';
import { isNotFound, prepareSnapshotFolder, ProfileError, profileFunction, waitUntilStarted, type EndpointSpec, type FunctionSpec } from '../profile/profileFunction';
import { parseRequest } from '../profile/httpRequest';
import { diffSnapshotFiles, SnapshotFileError } from '../profile/diffSnapshots';
import { DEFAULT_PROFILE_OPTIONS, type LeakReport, type ProfileOptions } from '../report/types';
import { ProgressLine } from './progress';
import { CliError, parseArgs, UsageError, wholeNumber, type ParsedArgs } from './args';
import { PANEL_SCRIPT_PATH, PANEL_STYLE_PATH, standaloneHtml } from '../report/page';
import { profileInChildProcesses } from './childProcesses';
import { checkScript, launchWithInspector } from './launch';
import { renderReport } from './renderReport';
import { printableJson } from '../report/format';
import { withComparison } from '../report/compareRuns';
import { readPreviousReport } from './previousReport';

export const PROFILE_USAGE = `leak-lens profile <script> --function <name | file:line | expression> [options] [-- script args]
leak-lens profile <script> --request '<METHOD> <url>' [--header 'Name: value'] [--body <text | @file>] [options]
  Starts node --inspect=127.0.0.1:0 <script>, runs the function N times inside it (or sends the
  HTTP request N times, from Leak Lens's side, once the server listens), and reports what
  survived, who holds it, and how to fix it.
    --node-arg A        pass A to node before the script (repeat it: --node-arg -r --node-arg
                        ts-node/register); the program's NODE_OPTIONS reach it, never Leak Lens
    --exec R            run the script through R: tsx, ts-node (in the program's own process,
                        found from its folder upward), or a runner that is a Node script
leak-lens attach <host:port | ws-url> --function <...> [options]
  The same on a running process started with --inspect (loopback only unless --allow-remote).
    --function F        a name (loadApp), a location (src/app.js:42), or an expression (globalThis.app.load)
    --request R         an endpoint instead: 'GET http://127.0.0.1:3000/bots/load' (loopback only
                        unless --allow-remote); a 5xx answer or a failed request ends the run
    --header H          a request header, 'Name: value' (repeat it)   --body B  the request body, or @file
    --args <js>         expression for the arguments array, e.g. '["bot-1"]' (the function's module names work)
    --this <js>         the receiver of a method: an expression (a module binding works), or new:Class for its one instance
    --iterations N      calls per phase (default 7)      --warmup N   warm-up calls (default 1)
    --timeout MS        per-call timeout (default 30000) --max-depth N / --too-many N  graph size
    --snapshots 1|3     1 (default): one snapshot, phases told by heap object ids, with allocation
                        stacks; 3: baseline, target and final snapshots, a GC after each call
    --save-snapshots D  write the run's .heapsnapshot files to D
    --growth-calls N    after the phases, run on up to N more calls (default 200, 0: off) while a
                        leak's collection still grows: growth that stops is reported as bounded
    --growth-ms MS      and for at most MS milliseconds (default 10000)
    --json              print the LeakReport as JSON
    --raw-paths         retainer paths as the snapshot's edges (Map —internal table→) rather
                        than in source terms (globalThis.registry → Map → value)
    --html FILE         also write the report as a page (chart, table, retainer graph)
    --compare FILE      show this run beside a previous report (written by --json): per-call
                        growth before → after, and both memory series in the --html chart
leak-lens diff <baseline> <target> [--final <file>] [--iterations N] [--max-depth N] [--too-many N] [--json] [--raw-paths] [--html FILE] [--compare FILE]
  The verdict from saved snapshots of one process (ids must come from one HeapProfiler session).
  Without --final every new object in the target counts as surviving: give a final snapshot
  (taken after N more calls) for the memlab-style "still alive" check.`;

const VALUED = ['node-arg', 'exec', 'function', 'request', 'header', 'body', 'args', 'this', 'snapshots', 'iterations', 'warmup', 'timeout', 'max-depth', 'too-many', 'save-snapshots', 'html', 'growth-calls', 'growth-ms', 'compare'];
const FLAGS = ['json', 'raw-paths', 'allow-remote'];

function profileOptions(args: ParsedArgs): ProfileOptions {
  const snapshots = args.options.get('snapshots') ?? String(DEFAULT_PROFILE_OPTIONS.snapshots);
  if (snapshots !== '1' && snapshots !== '3') throw new UsageError(`--snapshots takes 1 or 3, not "${String(snapshots)}"`);
  return {
    snapshots: snapshots === '1' ? 1 : 3,
    iterations: wholeNumber(args, 'iterations', DEFAULT_PROFILE_OPTIONS.iterations, 2),
    warmup: wholeNumber(args, 'warmup', DEFAULT_PROFILE_OPTIONS.warmup, 0),
    callTimeoutMs: wholeNumber(args, 'timeout', DEFAULT_PROFILE_OPTIONS.callTimeoutMs, 1),
    maxDepth: wholeNumber(args, 'max-depth', DEFAULT_PROFILE_OPTIONS.maxDepth, 1),
    tooMany: wholeNumber(args, 'too-many', DEFAULT_PROFILE_OPTIONS.tooMany, 1),
    growthCalls: wholeNumber(args, 'growth-calls', DEFAULT_PROFILE_OPTIONS.growthCalls ?? 0, 0),
    growthMs: wholeNumber(args, 'growth-ms', DEFAULT_PROFILE_OPTIONS.growthMs ?? 0, 0),
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

/** --request with its --header and --body; or --function (one of them, not both). */
export function targetSpec(args: ParsedArgs, script?: string): FunctionSpec | EndpointSpec {
  const request = args.options.get('request');
  if (request === undefined) {
    for (const only of ['header', 'body']) if (args.options.has(only)) throw new UsageError(`--${only} goes with --request (an endpoint to profile)`);
    return functionSpec(args, script);
  }
  if (args.options.has('function')) throw new UsageError('give --function or --request, not both');
  for (const fnOnly of ['args', 'this']) if (args.options.has(fnOnly)) throw new UsageError(`--${fnOnly} is for --function; a request carries its own --header and --body`);
  if (typeof request !== 'string' || request.trim() === '') throw new UsageError("--request needs a request, e.g. 'GET http://127.0.0.1:3000/bots/load'");
  const rawBody = args.options.get('body');
  let body: string | Buffer | undefined = typeof rawBody === 'string' ? rawBody : undefined;
  if (body?.startsWith('@')) {
    const file = path.resolve(body.slice(1));
    try {
      body = readFileSync(file);
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message.replace(/^E[A-Z]+: /, '');
      throw new CliError(`Cannot read the request body from ${file}: ${reason}; give --body @ an existing file, or the text itself.`);
    }
  }
  try {
    return { request: parseRequest({ request, headers: args.lists.get('header') ?? [], body, allowRemote: args.options.has('allow-remote') }) };
  } catch (e) {
    if (e instanceof ProfileError) throw new CliError(e.message);
    throw e;
  }
}

/** The report on stdout first (a page that cannot be written must not cost it), then the page. */
function emit(measured: LeakReport, args: ParsedArgs, out: NodeJS.WritableStream, previous?: LeakReport): number {
  const report = previous ? withComparison(measured, previous) : measured;
  out.write((args.options.has('json') ? printableJson(report) : renderReport(report, { rawPaths: args.options.has('raw-paths') })) + '\n');
  const html = htmlPath(args);
  if (html) writeHtmlReport(report, html);
  return report.verdict === 'leak' ? 1 : 0;
}

function htmlPath(args: ParsedArgs): string | undefined {
  const html = args.options.get('html');
  return typeof html === 'string' ? path.resolve(html) : undefined;
}

/** The report as one self-contained page: the webview's bundle and styles inlined. */
function writeHtmlReport(report: LeakReport, file: string): void {
  // This bundle is dist/cli.js: the package root is one up.
  const script = readFileSync(path.join(__dirname, '..', PANEL_SCRIPT_PATH), 'utf8');
  const css = readFileSync(path.join(__dirname, '..', PANEL_STYLE_PATH), 'utf8');
  try {
    writeFileSync(file, standaloneHtml(report, script, css));
  } catch (e) {
    const reason = (e as Error).message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    throw new CliError(`Cannot write the HTML report to ${file} (${reason}); the text report above is complete, give --html a path you can write to.`);
  }
}

/**
 * Output paths checked before anything runs: a run of minutes must not end in "cannot write".
 * --html: its folder exists and is writable, and it is not itself a folder. --save-snapshots:
 * a folder (made if missing) that takes files.
 */
async function checkOutputs(args: ParsedArgs, saveDirectory?: string): Promise<void> {
  const html = htmlPath(args);
  if (html) {
    const dir = path.dirname(html);
    const cannot = `Cannot write the HTML report to ${html}:`;
    const dirStat = statOrNull(dir);
    if (!dirStat) throw new CliError(`${cannot} the folder ${dir} does not exist; create it or give --html another path.`);
    if (!dirStat.isDirectory()) throw new CliError(`${cannot} ${dir} is a file, not a folder; give --html another path.`);
    const fileStat = statOrNull(html);
    if (fileStat?.isDirectory()) throw new CliError(`${cannot} it is a folder; give --html a file name.`);
    try {
      accessSync(fileStat ? html : dir, constants.W_OK);
    } catch {
      throw new CliError(`${cannot} ${fileStat ? 'the file' : `the folder ${dir}`} is not writable; give --html another path.`);
    }
  }
  if (saveDirectory) await prepareSnapshotFolder(saveDirectory);
}

function statOrNull(file: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

export async function profileCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const split = argv.indexOf('--');
  const own = split >= 0 ? argv.slice(0, split) : argv;
  const scriptArgs = split >= 0 ? argv.slice(split + 1) : [];
  const args = parseArgs(own, VALUED, FLAGS);
  if (args.positionals.length !== 1) throw new UsageError('profile takes one script to run');
  const script = path.resolve(args.positionals[0]);
  const spec = targetSpec(args, script);
  const options = profileOptions(args);
  checkScript(script);
  const previous = readPreviousReport(args);
  await checkOutputs(args, saveDir(args));
  const exec = args.options.get('exec');
  const launched = await launchWithInspector(script, scriptArgs, {
    output: err,
    nodeArgs: args.lists.get('node-arg') ?? [],
    exec: typeof exec === 'string' ? exec : undefined,
  });
  try {
    let report: LeakReport;
    let session: InspectorSession | undefined;
    const progress = new ProgressLine(err);
    try {
      session = await connectInspector(launched.wsUrl);
      await waitUntilStarted(session);
      launched.started();
      const hooks = {
        targetKind: 'launch' as const,
        resolveRetryMs: 10_000,
        targetDescription: `node ${path.relative(process.cwd(), script) || script}`,
        onProgress: progress.update,
        saveSnapshotsDir: saveDir(args),
      };
      report = await profileFunction(session, spec, options, hooks).catch((e: unknown) => {
        const children = launched.childInspectors();
        if (!isNotFound(e) || children.length === 0) throw e;
        return profileInChildProcesses(children, spec, options, hooks, e as ProfileError);
      });
    } catch (e) {
      progress.endLine();
      // If the program died, what it printed says why: into the error, not half onto stderr.
      launched.mute();
      await session?.close().catch(() => undefined);
      session = undefined;
      throw await launched.explain(e);
    } finally {
      progress.endLine();
      await session?.close();
    }
    return emit(report, args, out, previous);
  } finally {
    await launched.stop();
  }
}

export async function attachCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, VALUED, FLAGS);
  for (const launchOnly of ['node-arg', 'exec']) {
    if (args.options.has(launchOnly)) throw new UsageError(`--${launchOnly} is for profile (which starts the program); attach joins one already running`);
  }
  if (args.positionals.length !== 1) throw new UsageError('attach takes one inspector address (host:port or ws:// URL)');
  const target = args.positionals[0];
  const spec = targetSpec(args);
  const previous = readPreviousReport(args);
  await checkOutputs(args, saveDir(args));
  const session = await connectInspector(target, { allowRemote: args.options.has('allow-remote') });
  const progress = new ProgressLine(err);
  try {
    const options = profileOptions(args);
    const hooks = {
      targetKind: 'attach' as const,
      targetDescription: `inspector at ${target}`,
      onProgress: progress.update,
      saveSnapshotsDir: saveDir(args),
    };
    const report = await profileFunction(session, spec, options, hooks).catch(async (e: unknown) => {
      // A cluster primary: its workers' inspectors listen on the next ports.
      const at = isNotFound(e) ? hostAndPort(target) : undefined;
      const next = at ? await inspectorsAfter(at.host, at.port) : [];
      if (next.length === 0) throw e;
      return profileInChildProcesses(next, spec, options, hooks, e as ProfileError, 'next ports');
    });
    progress.endLine();
    return emit(report, args, out, previous);
  } finally {
    progress.endLine();
    await session.close();
  }
}

function saveDir(args: ParsedArgs): string | undefined {
  const d = args.options.get('save-snapshots');
  return typeof d === 'string' ? path.resolve(d) : undefined;
}

export async function diffCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const args = parseArgs(argv, ['final', 'iterations', 'max-depth', 'too-many', 'html', 'compare'], ['json', 'raw-paths']);
  if (args.positionals.length !== 2) throw new UsageError('diff takes a baseline and a target snapshot');
  const [baseline, target] = args.positionals;
  const finalRaw = args.options.get('final');
  const options = profileOptions(args);
  const previous = readPreviousReport(args);
  await checkOutputs(args);
  let last = '';
  try {
    const report = await diffSnapshotFiles(
      { baseline, target, final: typeof finalRaw === 'string' ? finalRaw : undefined },
      options,
      {
        onProgress: (phase) => {
          if (phase !== last) err.write(`${(last = phase)}…\n`);
        },
      },
    );
    return emit(report, args, out, previous);
  } catch (e) {
    if (e instanceof SnapshotFileError) throw new UsageError(e.message);
    throw e;
  }
}

/** The host and port of an inspector address (`host:port` or a ws:// URL); undefined otherwise. */
function hostAndPort(target: string): { host: string; port: number } | undefined {
  try {
    const url = new URL(/^wss?:\/\//.test(target) ? target : `ws://${target}`);
    const port = Number(url.port);
    return port > 0 ? { host: url.hostname, port } : undefined;
  } catch {
    return undefined;
  }
}
