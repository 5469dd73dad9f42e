/**
 * The user's line behind a leak (profile/userCall.ts): from the user's innermost allocation
 * frame and the function it called, the first call of that name in the user's function.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callFromUserFrame, dependencyHint, findCallLine, findLiteralLine, packageOf } from '../src/profile/userCall';
import type { AllocationSite, LeakFinding } from '../src/report/types';

/** The line and name found (the column is checked on its own). */
const callLine = (r: ReturnType<typeof findCallLine>) => r && { line: r.line, name: r.name };

const source = [
  "'use strict';", // 1
  'const api = makeClient();', // 2
  'function fetchProfile(id) {', // 3
  "  // api.use( in a comment is not a call", // 4
  "  const note = 'api.use(x) in a string';", // 5
  '  const headers = { id };', // 6
  '  api.interceptors.request.use((config) => {', // 7
  '    return { ...config, headers };', // 8
  '  });', // 9
  '  return api.get(`/users/${id}`);', // 10
  '}', // 11
  'function other() { api.use(1); }', // 12
  'const handle = (req) => counter.inc({ id: req.id });', // 13
  'function make() {', // 14
  '  return new Processor(name);', // 15
  '}', // 16
].join('\n');

test('finds the first call of the callee inside the function, past comments and strings', () => {
  assert.deepEqual(callLine(findCallLine(source, 3, 22, 'use', false)), { line: 7, name: 'use' });
  // The 0-based column of the name, for a source map to read back (bundles put much on one line).
  assert.equal(findCallLine(source, 3, 22, 'use', false)?.column, 27);
  // Not in another function after this one.
  assert.equal(callLine(findCallLine(source, 3, 22, 'post', false)), undefined);
});

test('an alias: V8 records incWithoutExemplar, the user wrote inc()', () => {
  assert.deepEqual(callLine(findCallLine(source, 13, 16, 'incWithoutExemplar', false)), { line: 13, name: 'inc' });
});

test('a constructor: new Processor in the user function', () => {
  assert.deepEqual(callLine(findCallLine(source, 14, 14, 'Processor', true)), { line: 15, name: 'Processor' });
  assert.equal(findCallLine(source, 14, 14, 'Processor', true)?.column, 9);
  assert.equal(callLine(findCallLine(source, 3, 22, 'Processor', true)), undefined);
});

test('out-of-range positions give nothing', () => {
  assert.equal(callLine(findCallLine(source, 99, 1, 'use', false)), undefined);
  assert.equal(findCallLine('', 1, 1, 'use', false), undefined);
});

function site(frames: [string, string, number][], userFrames: number): AllocationSite {
  return {
    frames: frames.map(([functionName, scriptName, depth]) => ({ functionName, scriptName, scriptId: 1, line: 3, column: 22, depth })),
    userFrames,
    count: 1,
    traced: 1,
    of: 1,
  };
}

test('the callee is the frame just inside the user frame; a user frame at depth 0 constructs the class', () => {
  const inDependency = site([['fetchProfile', '/app/a.js', 2], ['use', '/app/node_modules/axios/x.js', 1], ['push', '/app/node_modules/axios/x.js', 0]], 1);
  assert.equal(callFromUserFrame(inDependency, 'Object')?.callee, 'use');
  const own = site([['loadApp', '/app/a.js', 0]], 1);
  assert.deepEqual({ ...callFromUserFrame(own, 'Processor'), frame: undefined }, { callee: 'Processor', constructs: true, frame: undefined });
  assert.equal(callFromUserFrame(site([['use', '/app/node_modules/x.js', 0]], 0), 'Object'), undefined);
});

test('a dependency holder gets a hint about the user call; the user own holder keeps its hint', () => {
  const f = { className: 'Entry', culprit: { where: 'InterceptorManager.handlers', kind: 'collection' } } as unknown as LeakFinding;
  const call = { scriptId: 1, scriptName: '/app/src/a.js', line: 7, callee: 'use', constructs: false };
  const hint = dependencyHint(f, call, false) ?? '';
  assert.match(hint, /use\(\) at src\/a\.js:7/);
  assert.match(hint, /eject, unsubscribe, off/);
  assert.equal(dependencyHint(f, call, true), undefined);
  // Named by its package, in the run's words.
  const named = dependencyHint(f, call, false, 'express-session', 'request') ?? '';
  assert.match(named, /^InterceptorManager\.handlers, inside express-session, keeps what use\(\) at src\/a\.js:7 adds on every request/);
  assert.match(named, /express-session's own API/);
});

test('an object the user makes and a package keeps: the hint names it and where it is made', () => {
  const f = { className: '{key, history}', culprit: { where: 'Hash.__data__', kind: 'collection' } } as unknown as LeakFinding;
  const made = { scriptId: 1, scriptName: '/app/src/prices.js', line: 14, callee: '{key, history}', constructs: true };
  const hint = dependencyHint(f, made, false, 'lodash') ?? '';
  assert.match(hint, /^Hash\.__data__, inside lodash, keeps the \{key, history\} made at src\/prices\.js:14 on every call\./);
  assert.match(hint, /a bound or a time to live, or clear it/);
});

test('an object literal is found by the properties its shape names, past nested values', () => {
  const source = [
    'const priceFor = memoize((key) => ({ key, price: key.length * 3, history: new Array(20).fill({ old: 1 }) }));',
    'function other() {',
    '  const a = { key: 1 };',
    '  return { note: "{ key, history }", key: 2, history: [], ...rest };',
    '}',
  ].join('\n');
  assert.equal(findLiteralLine(source, 1, 27, '{key, history}')?.line, 1);
  // Inside a string it does not count; the literal two lines down has both keys.
  assert.equal(findLiteralLine(source, 2, 1, '{key, history}')?.line, 4);
  assert.equal(findLiteralLine(source, 2, 1, '{key, missing}'), undefined);
});

test('the package a script belongs to, scoped or not, innermost node_modules first', () => {
  assert.equal(packageOf('/app/node_modules/express-session/session/memory.js'), 'express-session');
  assert.equal(packageOf('/app/node_modules/@opentelemetry/api/build/src/index.js'), '@opentelemetry/api');
  assert.equal(packageOf('/app/node_modules/a/node_modules/b/lib/x.js'), 'b');
  assert.equal(packageOf('C:\\app\\node_modules\\lodash\\lodash.js'), 'lodash');
  assert.equal(packageOf('/app/src/index.js'), undefined);
});
