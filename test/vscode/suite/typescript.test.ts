/**
 * Runs inside a real VS Code extension host: a TypeScript program compiled by the real tsc
 * with source maps, run under js-debug. The lens above a .ts function profiles it; the inline
 * notes land on .ts lines; a graph node's place opens the .ts file.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as vscode from 'vscode';
import { suite, suiteSetup, teardown, test } from 'mocha';
import type { LeakLensApi } from '../../../src/vscode/extension';
import { activateLeakLens, lensesFor, startSession, waitFor } from './debugSessions';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

function lineOf(file: string, text: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i;
}

suite('Leak Lens on a TypeScript program', () => {
  let api: LeakLensApi;

  suiteSetup(async () => {
    api = await activateLeakLens();
  });

  teardown(async () => {
    await vscode.debug.stopDebugging();
  });

  /** A copy of the TypeScript fixture in the workspace, in a folder of its own. */
  function copyProject(name: string): string {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'a workspace folder');
    const project = path.join(folder, name);
    fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'typescript'), project, { recursive: true });
    return project;
  }

  /**
   * Starts the program, clicks the lens above `handle` in app.ts, and checks the verdict and
   * the inline notes in registry.ts. Returns the report's leak.
   */
  async function profileByLens(project: string, program: string, launch: Record<string, unknown> = {}) {
    const appTs = path.join(project, 'src', 'app.ts');
    const registryTs = path.join(project, 'src', 'registry.ts');
    const handleLine = lineOf(appTs, 'export function handle');

    const doc = await vscode.workspace.openTextDocument(appTs);
    await vscode.window.showTextDocument(doc);
    await startSession(program, launch);
    const lens = await waitFor('the handle lens', async () =>
      (await lensesFor(doc.uri)).find((l) => l.range.start.line === handleLine && l.command?.title === 'Profile leaks'),
    );
    assert.ok(lens.command);
    await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));

    const report = api.lastReport();
    assert.ok(report, 'a report');
    assert.strictEqual(report.verdict, 'leak', report.summary);
    const top = report.leaks.find((l) => l.primary);
    assert.ok(top);
    assert.strictEqual(top.className, 'Session');

    // Inline notes in registry.ts: at the static Map that holds them, and at `new Session(`.
    const registryUri = vscode.Uri.file(registryTs).toString();
    const holderLine = lineOf(registryTs, 'static readonly all');
    const newLine = lineOf(registryTs, 'new Session(');
    // The notes are set once the report is shown, after the command returns.
    const notes = await waitFor('the inline notes', () => (api.inlineNotes().some((n) => n.uri === registryUri) ? api.inlineNotes() : undefined), 10_000).catch(() => api.inlineNotes());
    const where = JSON.stringify({ userCall: top.userCall, holder: top.culprit?.holderLocation, notes });
    assert.ok(notes.some((n) => n.uri === registryUri && n.line === holderLine), `a note at registry.ts:${holderLine + 1}: ${where}`);
    assert.ok(notes.some((n) => n.uri === registryUri && n.line === newLine), `a note at registry.ts:${newLine + 1}: ${where}`);
    assert.ok(!notes.some((n) => n.uri.includes('/dist/')), 'no note in the compiled files');
    return { report, top, registryTs };
  }

  test('tsc with source maps: the lens above a .ts function profiles it, notes land on .ts lines, a graph node opens the .ts file', async function () {
    this.timeout(180_000);
    const project = copyProject('typescript-app');
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project]);
    const { report, top, registryTs } = await profileByLens(project, path.join(project, 'dist', 'main.js'));

    // A graph node's place, as the page sends it when clicked, opens the .ts file.
    const node = top.graph?.nodes.find((n) => n.location?.original);
    assert.ok(node?.location?.original, 'a graph node with a .ts place');
    api.showReport(report);
    const { file, line, column } = node.location.original;
    const outcome = await waitFor('the panel', () => api.revealFromPanel(file, line - 1, column));
    assert.strictEqual(outcome, 'opened');
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.fsPath, registryTs);
  });

  test('tsx: the .ts program run with --import tsx; the lens profiles it and the notes land on .ts lines', async function () {
    this.timeout(180_000);
    const project = copyProject('typescript-tsx');
    const tsx = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    await profileByLens(project, path.join(project, 'src', 'main.ts'), { runtimeArgs: ['--import', tsx] });
  });

  test('ts-node: the .ts program run with -r ts-node/register; the lens profiles it and the notes land on .ts lines', async function () {
    this.timeout(180_000);
    const project = copyProject('typescript-ts-node');
    const register = path.join(REPO_ROOT, 'node_modules', 'ts-node', 'register');
    await profileByLens(project, path.join(project, 'src', 'main.ts'), { runtimeArgs: ['-r', register], cwd: project });
  });
});
