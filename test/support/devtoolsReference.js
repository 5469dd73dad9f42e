'use strict';
/*
 * Reference dumper: what Chrome DevTools computes for a heap snapshot.
 *
 *   node [--max-old-space-size=4096] test/support/devtoolsReference.js <in.heapsnapshot> <out.json>
 *
 * Loads the snapshot with npm `heap-snapshot-toolkit` (an ES module wrapping
 * the DevTools heap_snapshot_worker code, so it is loaded with dynamic
 * import()). `parse(fs.createReadStream(file, 'utf-8'))` runs
 * HeapSnapshotLoader + JSHeapSnapshot.initialize() in one thread and resolves
 * to the JSHeapSnapshot. Everything below is read straight off that object
 * after initialize() has finished.
 *
 * Output JSON (arrays are indexed by node ordinal = position of the node in
 * the snapshot's `nodes` array / nodeFieldCount):
 *
 *   nodeCount     snapshot.nodeCount
 *   edgeCount     snapshot.containmentEdges.length / snapshot.edgeFieldsCount
 *   rootOrdinal   snapshot.rootNodeIndex / nodeFieldCount (the synthetic root)
 *   ids           nodes[ordinal * nodeFieldCount + nodeIdOffset]
 *   selfSizes     nodes[ordinal * nodeFieldCount + nodeSelfSizeOffset] AFTER
 *                 JSHeapSnapshot.calculateShallowSizes(): nodes of type
 *                 'hidden' / 'array' (and native 'system / ExternalStringData')
 *                 that are reachable, via non-weak edges, from exactly one
 *                 "self-owning" node (any other type) have their size moved to
 *                 that owner (unless the owner is synthetic or the root) and
 *                 their own size set to 0. Skipped entirely when the root has no
 *                 non-synthetic children ("expose internals" snapshots).
 *   retainedSizes snapshot.retainedSizes (Float64Array): Lengauer-Tarjan
 *                 dominator tree over "essential" edges (no weak edges, no
 *                 shortcut edges except from the root, no self edges, no
 *                 WeakMap table->value ephemeron edge, no edge from a
 *                 non-page-owned node to a page-owned node), summing the
 *                 shallow-adjusted self sizes above up the tree.
 *   distances     snapshot.nodeDistances (Int32Array): BFS from the root's
 *                 non-synthetic children (distance 1), then from the root for
 *                 the rest (those get 100000000 + depth; the root itself gets
 *                 100000000). Weak edges are skipped; also
 *                 NativeContext.sloppy_function_map, descriptor-array value
 *                 slots, and the first edge of each WeakMap ephemeron pair.
 *                 Unreachable nodes: -5.
 *   dominators    snapshot.dominatorsTree (Uint32Array): dominator ordinal;
 *                 the root (and nodes unreachable from it) map to the root.
 *   classes       snapshot.aggregatesWithFilter({}) (= getAggregatesByClassKey(
 *                 false, 'allObjects')), one entry per public class key:
 *                   key      ',' + className for most nodes; for nodes of type
 *                            'object' that have an entry in the snapshot's
 *                            `locations` array it is
 *                            'scriptId,line,column,className' (so two JS
 *                            classes with the same name are split)
 *                   name     className: object/native -> node name (plain
 *                            'Object's renamed to an inferred interface like
 *                            '{id, name, tags}'), closure -> 'Function',
 *                            code -> '(compiled code)', hidden -> '(system)',
 *                            regexp -> 'RegExp', others -> '(' + type + ')'
 *                   count    number of nodes of the class with non-zero
 *                            (shallow-adjusted) self size
 *                   self     sum of their self sizes
 *                   maxRet   sum of retained sizes of the class's nodes that are
 *                            not dominated by another node of the same class
 *                   distance min over nodeDistances of the counted nodes
 *                 Sorted by key.
 */

const fs = require('fs');

function loadToolkit() {
  // An ES module: import() resolves it from this file's folder (the repo's node_modules),
  // whatever the working directory.
  return import('heap-snapshot-toolkit');
}

/** Writes `"name":[v0,v1,...]` in chunks to keep string sizes bounded. */
function writeArray(fd, name, length, get) {
  fs.writeSync(fd, JSON.stringify(name) + ':[');
  const CHUNK = 65536;
  const buf = new Array(CHUNK);
  for (let start = 0; start < length; start += CHUNK) {
    const end = Math.min(length, start + CHUNK);
    buf.length = end - start;
    for (let i = start; i < end; i++) buf[i - start] = get(i);
    fs.writeSync(fd, (start === 0 ? '' : ',') + buf.join(','));
  }
  fs.writeSync(fd, ']');
}

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node devtoolsReference.js <in.heapsnapshot> <out.json>');
    process.exit(2);
  }
  const { parse } = await loadToolkit();
  const snapshot = await parse(fs.createReadStream(input, 'utf-8'));

  const nodes = snapshot.nodes; // BigUint32Array-like: use getValue()
  const nodeFieldCount = snapshot.nodeFieldCount;
  const nodeCount = snapshot.nodeCount;
  const idOffset = snapshot.nodeIdOffset;
  const selfOffset = snapshot.nodeSelfSizeOffset;
  const edgeCount = snapshot.containmentEdges.length / snapshot.edgeFieldsCount;
  const { retainedSizes, nodeDistances, dominatorsTree } = snapshot;

  const aggregates = snapshot.aggregatesWithFilter({});
  const classes = Object.keys(aggregates)
    .sort()
    .map((key) => {
      const a = aggregates[key];
      return {
        key,
        name: a.name,
        count: a.count,
        self: a.self,
        maxRet: a.maxRet,
        distance: a.distance,
      };
    });

  const fd = fs.openSync(output, 'w');
  try {
    fs.writeSync(
      fd,
      '{' +
        `"nodeCount":${nodeCount},"edgeCount":${edgeCount},` +
        `"rootOrdinal":${snapshot.rootNodeIndex / nodeFieldCount},`,
    );
    writeArray(fd, 'ids', nodeCount, (i) => nodes.getValue(i * nodeFieldCount + idOffset));
    fs.writeSync(fd, ',');
    writeArray(fd, 'selfSizes', nodeCount, (i) => nodes.getValue(i * nodeFieldCount + selfOffset));
    fs.writeSync(fd, ',');
    writeArray(fd, 'retainedSizes', nodeCount, (i) => retainedSizes[i]);
    fs.writeSync(fd, ',');
    writeArray(fd, 'distances', nodeCount, (i) => nodeDistances[i]);
    fs.writeSync(fd, ',');
    writeArray(fd, 'dominators', nodeCount, (i) => dominatorsTree[i]);
    fs.writeSync(fd, ',"classes":[');
    for (let i = 0; i < classes.length; i += 1000) {
      const part = classes.slice(i, i + 1000).map((c) => JSON.stringify(c)).join(',');
      fs.writeSync(fd, (i === 0 ? '' : ',') + part);
    }
    fs.writeSync(fd, ']}\n');
  } finally {
    fs.closeSync(fd);
  }
}

main().then(
  // The toolkit closes its MessageChannel, but exit explicitly so a stray
  // handle can never keep the child alive.
  () => process.exit(0),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);
