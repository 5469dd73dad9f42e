/**
 * In the real VS Code: a plain `http` server that leaks a Session per request runs under
 * js-debug, and "Leak Lens: Profile endpoint leaks" (given the request, so no input box) sends
 * the requests from the extension and reports the leak with its holder and the handler's line.
 * Then a real express app's POST, with a JSON body, the same way; and its fixed twin is clean.
 * Then the lens above an express route: the request comes filled in with the port the
 * debugged server listens on, and accepting it profiles the route.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as vscode from 'vscode';
import { suite, suiteSetup, teardown, test } from 'mocha';
import type { LeakLensApi } from '../../../src/vscode/extension';
import { activateLeakLens, startSession } from './debugSessions';

const fixture = (name: string) => path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'endpoints', name);
const server = fixture('http-leak.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The handler's `new Session(` line, from the allocation stack. A heap walk between the last
 * response and the snapshot can make V8 drop the stacks on a busy machine: the user's line is
 * then the next one, which stores each Session in the Map.
 */
function expectedUserLine(leak: { allocation?: { userFrames: number } }, leakLine: number): number {
  return (leak.allocation?.userFrames ?? 0) > 0 ? leakLine : leakLine + 1;
}

suite('Leak Lens profiles an endpoint', () => {
  let api: LeakLensApi;

  suiteSetup(async () => {
    api = await activateLeakLens();
  });

  teardown(async () => {
    await vscode.debug.stopDebugging();
  });

  test('Profile endpoint leaks on a debugged http server finds the Session per request', async function () {
    this.timeout(120_000);
    const port = await freePort();
    await startSession(server, { args: [String(port)] });
    await vscode.commands.executeCommand('leakLens.profileEndpoint', `GET http://127.0.0.1:${port}/bots/load`);
    const report = api.lastReport();
    assert.ok(report, 'a report');
    assert.strictEqual(report.function?.name, 'GET /bots/load');
    assert.strictEqual(report.verdict, 'leak', report.summary);
    const top = report.leaks.find((l) => l.primary);
    assert.ok(top);
    assert.strictEqual(top.className, 'Session');
    assert.strictEqual(top.countPerCall, 1);
    assert.match(top.culprit?.text ?? '', /^sessions in http-leak\.js/);
    const leakLine = fs.readFileSync(server, 'utf8').split('\n').findIndex((l) => l.includes('// LEAK-LINE')) + 1;
    assert.strictEqual(top.userCall?.line, expectedUserLine(top, leakLine), 'the handler\'s line');
  });

  test('Profile endpoint leaks on a debugged express app: a POST with a JSON body finds the Session; the fixed twin is clean', async function () {
    this.timeout(180_000);
    for (const [file, verdict] of [['express-leak.js', 'leak'], ['express-fixed.js', 'clean']] as const) {
      const port = await freePort();
      await startSession(fixture(file), { args: [String(port)] });
      // Without the body the handler throws and express answers 500: the run would fail.
      await vscode.commands.executeCommand('leakLens.profileEndpoint', { request: `POST http://127.0.0.1:${port}/sessions`, body: '{"user": " grace "}' });
      const report = api.lastReport();
      assert.ok(report, `a report for ${file}`);
      assert.strictEqual(report.function?.name, 'POST /sessions');
      assert.strictEqual(report.verdict, verdict, report.summary);
      if (verdict === 'leak') {
        const top = report.leaks.find((l) => l.primary);
        assert.strictEqual(top?.className, 'Session');
        assert.match(top?.culprit?.text ?? '', /^sessionsByRequest in express-leak\.js/);
        const leakLine = fs.readFileSync(fixture(file), 'utf8').split('\n').findIndex((l) => l.includes('// LEAK-LINE')) + 1;
        assert.strictEqual(top?.userCall?.line, top && expectedUserLine(top, leakLine), "the handler's line");
      }
      await vscode.debug.stopDebugging();
    }
  });

  test('the lens above an express route offers the route on the server\'s own port and profiles it', async function () {
    this.timeout(120_000);
    const file = fixture('express-router-leak.js');
    const port = await freePort();
    await startSession(file, { args: [String(port)] });
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const routeLine = document.getText().split('\n').findIndex((l) => l.includes("router.get('/bots/:id/load'"));
    let lens: vscode.CodeLens | undefined;
    for (let i = 0; i < 40 && !lens; i++) {
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
      lens = lenses.find((l) => l.command?.title === 'Profile endpoint leaks' && l.range.start.line === routeLine);
      if (!lens) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(lens?.command, 'a "Profile endpoint leaks" lens above the route');
    // The command asks for the request, filled in; accept it as offered (a GET has no body).
    let settled = false;
    const run = Promise.resolve(vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []))).finally(() => (settled = true));
    while (!settled) {
      await new Promise((r) => setTimeout(r, 500));
      if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    await run;
    const report = api.lastReport();
    assert.ok(report, 'a report');
    assert.strictEqual(report.function?.name, 'GET /bots/:id/load');
    assert.strictEqual(report.function?.request?.url, `http://127.0.0.1:${port}/bots/:id/load`, 'the port the server listens on');
    assert.strictEqual(report.verdict, 'leak', report.summary);
    const top = report.leaks.find((l) => l.primary);
    assert.strictEqual(top?.className, 'Bot');
    assert.match(top?.culprit?.text ?? '', /^loadedBots in express-router-leak\.js/);
  });
});
