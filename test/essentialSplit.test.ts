/**
 * The two analysis threads mark the essential edges of two node ranges at once
 * (markEssentialEdges); together the ranges must set exactly the bits one pass sets, wherever
 * the split falls inside a byte of bits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareEdgeRules } from '../src/heap/analysis';
import { essentialEdges, markEssentialEdges, splitNodeAt } from '../src/heap/edgeRules';
import { readSnapshotFile } from '../src/worker/analyzeFile';
import { fixturePrograms, snapshotOf } from './support/fixtures';

test('the essential edges marked in two ranges are those of one pass, at any split', async () => {
  const s = await readSnapshotFile(await snapshotOf(fixturePrograms()[0]), { graphMemory: false });
  const { rules } = prepareEdgeRules(s);
  const whole = essentialEdges(s, rules);
  let unaligned = 0;
  for (const share of [0, 0.001, 0.25, 0.4, 0.5, 0.77, 0.999, 1]) {
    for (const nudge of [-2, -1, 0, 1, 2]) {
      const split = Math.min(s.nodeCount, Math.max(0, splitNodeAt(s, share) + nudge));
      if (s.firstEdge[split] % 8 !== 0) unaligned++;
      const at = `split at node ${split} (edge ${s.firstEdge[split]})`;
      const before = new Uint8Array(new SharedArrayBuffer(whole.length));
      const after = new Uint8Array(new SharedArrayBuffer(whole.length));
      markEssentialEdges(s, rules, before, 0, split);
      markEssentialEdges(s, rules, after, split, s.nodeCount);
      // Each range sets bits of its own edges only (two threads write them at once).
      assert.ok(setBits(before).every((e) => e < s.firstEdge[split]), `${at}: the first range strays`);
      assert.ok(setBits(after).every((e) => e >= s.firstEdge[split]), `${at}: the second range strays`);
      assert.deepEqual(before.map((b, i) => b | after[i]), whole, at);
    }
  }
  assert.ok(unaligned > 10, 'most splits fall inside a byte');
});

test('the split node ends the share of the edges asked for', async () => {
  const s = await readSnapshotFile(await snapshotOf(fixturePrograms()[0]));
  for (const share of [0, 0.4, 1]) {
    const split = splitNodeAt(s, share);
    const target = Math.floor(s.edgeCount * share);
    assert.ok(s.firstEdge[split] >= target, `share ${share}`);
    assert.ok(split === 0 || s.firstEdge[split - 1] < target, `share ${share}: the first such node`);
  }
});

function setBits(bits: Uint8Array): number[] {
  const edges: number[] = [];
  for (let i = 0; i < bits.length; i++) for (let k = 0; k < 8; k++) if (bits[i] & (1 << k)) edges.push(i * 8 + k);
  return edges;
}
