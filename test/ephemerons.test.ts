/**
 * WeakMap ephemeron edge names are recognized from the string table's raw bytes. They must
 * agree with the full pattern DevTools matches (the oracle here), on awkward names too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EphemeronNames } from '../src/heap/edgeRules';
import { SnapshotParser } from '../src/heap/parser';

const PATTERN = /^\d+(?<pair> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<table>\d+)\))$/;

function tableOf(strings: string[]) {
  const text = JSON.stringify({
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [['hidden', 'object'], 'string', 'number', 'number', 'number'],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [['internal', 'weak'], 'string_or_number', 'node'],
      },
      node_count: 1,
      edge_count: 0,
    },
    nodes: [0, 0, 1, 0, 0],
    edges: [],
    strings,
  });
  const parser = new SnapshotParser();
  parser.write(Buffer.from(text));
  return parser.end();
}

test('ephemeron edge names: raw-byte recognition agrees with the full pattern, pairs and table ids included', () => {
  const names = [
    '1 / part of key (Object @11) -> value (Object @13) pair in WeakMap (table @7)',
    '2 / part of key (Object @11) -> value (Object @13) pair in WeakMap (table @7)',
    '3 / part of key (Object @15) -> value (Object @13) pair in WeakMap (table @7)',
    '4 / part of key (Object @11) -> value (Object @13) pair in WeakMap (table @9)',
    // A key whose name holds the separator itself, quotes and a backslash (escaped in the file).
    '5 / part of key (a) -> value (b @1 "q" \\ @21) -> value (system / Context @23) pair in WeakMap (table @7)',
    '6 / part of key (a) -> value (b @1 "q" \\ @21) -> value (system / Context @23) pair in WeakMap (table @7)',
    // Empty names, long ids.
    '70 / part of key ( @4294967295) -> value ( @2) pair in WeakMap (table @4000000001)',
    // Near misses: no leading index, a missing id, wrong tail, extra text at the end.
    ' / part of key (Object @11) -> value (Object @13) pair in WeakMap (table @7)',
    '8 / part of key (Object) -> value (Object @13) pair in WeakMap (table @7)',
    '9 / part of key (Object @11) -> value (Object @13) pair in WeakSet (table @7)',
    '10 / part of key (Object @11) -> value (Object @13) pair in WeakMap (table @7) ',
    '11 / part of key (Object @11) -> value (Object) pair in WeakMap (table @7)',
    '12345678901234567890123456789012345678901234567890',
    'plain',
  ];
  const s = tableOf(names);
  const e = new EphemeronNames(s);
  const pairOf = new Map<string, number>();
  for (let i = 0; i < s.strings.count; i++) {
    const text = s.strings.get(i);
    const match = PATTERN.exec(text);
    assert.equal(e.isEphemeron(i), Boolean(match), `recognized: ${JSON.stringify(text)}`);
    if (!match?.groups) continue;
    assert.equal(e.tableId(i), Number(match.groups.table), `table id of ${text}`);
    // Two names are one pair exactly when the text after the index is the same.
    const pair = match.groups.pair;
    if (pairOf.has(pair)) assert.equal(e.pairNumber(i), pairOf.get(pair), `pair of ${text}`);
    else {
      assert.ok(![...pairOf.values()].includes(e.pairNumber(i)), `a new pair for ${text}`);
      pairOf.set(pair, e.pairNumber(i));
    }
  }
  assert.equal(e.pairCount, pairOf.size);
  assert.equal(pairOf.size, 5, 'the fixture has five pairs');
});
