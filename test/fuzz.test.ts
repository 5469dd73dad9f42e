/**
 * Fuzz: at least 1,000 truncated or mutated copies of a real snapshot. Each must either load
 * and analyze into consistent numbers, or fail with a HeapSnapshotError naming an offset
 * inside the input. Anything else (another exception, a hang, NaN sizes) fails the test.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { analyzeSnapshot } from '../src/heap/analysis';
import { HeapSnapshotError } from '../src/heap/errors';
import { SnapshotParser } from '../src/heap/parser';
import { snapshotOf } from './support/fixtures';

const CASES = 1000;

function makeRandom(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

type Mutation = (bytes: Buffer, random: (n: number) => number) => Buffer;

const mutations: Record<string, Mutation> = {
  truncate: (b, r) => b.subarray(0, r(b.length)),
  flipByte: (b, r) => {
    const c = Buffer.from(b);
    c[r(c.length)] = r(256);
    return c;
  },
  structuralByte: (b, r) => {
    const c = Buffer.from(b);
    c[r(c.length)] = ',[]{}":\\0-9 \n'.charCodeAt(r(14));
    return c;
  },
  changeNumber: (b, r) => {
    // Replace one digit run with another number, possibly huge.
    const c = Buffer.from(b);
    let at = r(c.length);
    while (at < c.length && (c[at] < 0x30 || c[at] > 0x39)) at++;
    const digits = String(r(4) === 0 ? 4294967295 + r(1000) : r(100000));
    let end = at;
    while (end < c.length && c[end] >= 0x30 && c[end] <= 0x39) end++;
    return Buffer.concat([c.subarray(0, at), Buffer.from(digits), c.subarray(end)]);
  },
  deleteRange: (b, r) => {
    const at = r(b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r(64)))]);
  },
  duplicateRange: (b, r) => {
    const at = r(b.length);
    const piece = b.subarray(at, at + 1 + r(64));
    return Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);
  },
};

function checkConsistent(input: Buffer): 'loaded' | 'rejected' {
  let snapshot;
  try {
    const parser = new SnapshotParser({ expectedBytes: input.length });
    for (let at = 0; at < input.length; at += 1 << 18) parser.write(input.subarray(at, at + (1 << 18)));
    snapshot = parser.end();
  } catch (e) {
    if (!(e instanceof HeapSnapshotError)) throw e;
    assert.ok(e.offset >= 0 && e.offset <= input.length, `offset ${e.offset} outside input of ${input.length}`);
    assert.ok(e.problem.length > 10, 'the error says what was wrong');
    return 'rejected';
  }
  const a = analyzeSnapshot(snapshot);
  const n = snapshot.nodeCount;
  for (let i = 0; i < n; i++) {
    assert.ok(a.dominator[i] < n, 'dominator inside the node array');
    assert.ok(a.retainedSize[i] >= snapshot.selfSize[i] && Number.isFinite(a.retainedSize[i]), 'retained ≥ self');
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += snapshot.selfSize[i];
  assert.equal(a.retainedSize[snapshot.rootOrdinal], total, 'the root retains everything');
  return 'loaded';
}

test(`fuzz: ${CASES} mutated or truncated real snapshots load consistently or fail clearly`, { timeout: 15 * 60_000 }, async (t) => {
  // The smallest real snapshot: a bare Node process.
  const base = fs.readFileSync(await snapshotOf('minimal.js'));
  const random = makeRandom(20261124);
  const names = Object.keys(mutations);
  const outcome = { loaded: 0, rejected: 0 };
  for (let i = 0; i < CASES; i++) {
    const name = names[i % names.length];
    const input = mutations[name](base, random);
    try {
      outcome[checkConsistent(input)]++;
    } catch (e) {
      assert.fail(`case ${i} (${name}): ${(e as Error).stack}`);
    }
  }
  t.diagnostic(`outcomes: ${JSON.stringify(outcome)}`);
  // Both outcomes must occur, or the mutations are not testing what they should.
  assert.ok(outcome.loaded > 50 && outcome.rejected > 50, JSON.stringify(outcome));
});
