// The graph kernels: the dominator tree's DFS and Lengauer–Tarjan (src/heap/dominators.ts),
// the retainer fill (retainers.ts) and storage attribution's walk (shallowSizes.ts), as
// WebAssembly text, and their assembly with wabt. `npm run build` writes the binary into
// src/heap/graphKernels.wasm.ts when the text has changed; a unit test checks that the
// committed binary is the one this text gives.
//
// The same steps as the JavaScript there, on the same arrays: they live in the graph memory
// (src/heap/graphMemory.ts), a shared WebAssembly memory, at byte addresses the caller
// passes. They are random-access loops over tens of megabytes; here each access is one load
// with no bounds check.
//
// The dominator tree's arrays (as in dominators.ts; vertex v = ordinal + 1, 0 = none):
//   rec          four words per vertex: PARENT (then the next in its bucket), ANCESTOR (the
//                DFS's edge cursor, then the forest link), LABEL, SEMI
//   vertex       vertex[i]: the vertex numbered i
//   dom          dominators, and the bucket heads until then
//   bucketFull   a bit per vertex: its bucket is not empty

/** Byte address of word `field` of vertex `v`'s record (as a load/store offset on the record's address). */
const FIELD = { PARENT: 0, ANCESTOR: 4, LABEL: 8, SEMI: 12 };
const record = (v) => `(i32.add (local.get $rec) (i32.shl ${v} (i32.const 4)))`;
const recordGet = (v, field) => `(i32.load offset=${FIELD[field]} ${record(v)})`;
const recordSet = (v, field, value) => `(i32.store offset=${FIELD[field]} ${record(v)} ${value})`;
/** Address of word i of the u32 array at `base`. */
const word = (base, i) => `(i32.add (local.get ${base}) (i32.shl ${i} (i32.const 2)))`;
const wordGet = (base, i) => `(i32.load ${word(base, i)})`;
const wordSet = (base, i, value) => `(i32.store ${word(base, i)} ${value})`;
const get = (name) => `(local.get $${name})`;
const set = (name, value) => `(local.set $${name} ${value})`;
const bitAddress = (base, i) => `(i32.add (local.get ${base}) (i32.shr_u ${i} (i32.const 3)))`;
const bitMask = (i) => `(i32.shl (i32.const 1) (i32.and ${i} (i32.const 7)))`;
const bitSet = (base, i) => `(i32.and (i32.load8_u ${bitAddress(base, i)}) ${bitMask(i)})`;

const NOT_ESSENTIAL = 0x80000000;
const NOT_STRONG = 0x40000000;
/** Storage attribution's owner marks (shallowSizes.ts). */
const UNVISITED = 0xffffffff;
const SHARED = 0xfffffffe;
const RETAINER_MASK = 0x3fffffff;

export function graphKernelsWat() {
  return `;; Generated from src/heap/graphKernels.wat.mjs: edit that file, not this text.
(module
  (import "graph" "memory" (memory 1 65536 shared))

  ;; Up to $steps steps of the iterative DFS over the essential edges, from vertex $v (0: the
  ;; search is over), numbering the vertices it reaches from $n + 1 on; returns where it is and
  ;; the last number given, to go on from. The caller starts a search at vertex s by setting
  ;; s's cursor (ANCESTOR) to its first edge; one started below the root (its PARENT set to the
  ;; root) climbs back to the root, whose edges are all seen.
  (func (export "dfsSteps")
    (param $rec i32) (param $vertex i32) (param $firstEdge i32) (param $edgeTarget i32) (param $essential i32)
    (param $v i32) (param $n i32) (param $steps i32) (result i32 i32)
    (local $following i32) (local $end i32) (local $e i32) (local $w i32)
    (block $done
      (loop $visit
        (br_if $done (i32.eqz ${get('v')}))
        (br_if $done (i32.eqz ${get('steps')}))
        ${set('steps', `(i32.sub ${get('steps')} (i32.const 1))`)}
        (if (i32.eqz ${recordGet(get('v'), 'SEMI')})
          (then
            ${set('n', `(i32.add ${get('n')} (i32.const 1))`)}
            ${recordSet(get('v'), 'SEMI', get('n'))}
            ${wordSet('$vertex', get('n'), get('v'))}
            ${recordSet(get('v'), 'LABEL', get('v'))}))
        ${set('following', recordGet(get('v'), 'PARENT'))}
        ;; The edges of ordinal v - 1 end where ordinal v's begin.
        ${set('end', wordGet('$firstEdge', get('v')))}
        ${set('e', recordGet(get('v'), 'ANCESTOR'))}
        (block $scanned
          (loop $edge
            (br_if $scanned (i32.ge_u ${get('e')} ${get('end')}))
            (if ${bitSet('$essential', get('e'))}
              (then
                ${set('w', `(i32.add ${wordGet('$edgeTarget', get('e'))} (i32.const 1))`)}
                (if (i32.eqz ${recordGet(get('w'), 'SEMI')})
                  (then
                    ${recordSet(get('w'), 'PARENT', get('v'))}
                    ${recordSet(get('w'), 'ANCESTOR', wordGet('$firstEdge', `(i32.sub ${get('w')} (i32.const 1))`))}
                    ${recordSet(get('v'), 'ANCESTOR', `(i32.add ${get('e')} (i32.const 1))`)}
                    ${set('following', get('w'))}
                    (br $scanned)))))
            ${set('e', `(i32.add ${get('e')} (i32.const 1))`)}
            (br $edge)))
        (if (i32.eq ${get('following')} ${recordGet(get('v'), 'PARENT')})
          (then ${recordSet(get('v'), 'ANCESTOR', get('end'))}))
        ${set('v', get('following'))}
        (br $visit)))
    ${get('v')}
    ${get('n')})

  ;; Vertices $from..$to - 1 (from 1 on): those no search reached are attached to the root $r
  ;; one by one (numbered from $n + 1), and every forest link is cleared. Returns the last number given.
  (func (export "attachSteps")
    (param $rec i32) (param $vertex i32) (param $from i32) (param $to i32) (param $r i32) (param $n i32) (result i32)
    (local $v i32)
    ${set('v', get('from'))}
    (block $done
      (loop $next
        (br_if $done (i32.ge_u ${get('v')} ${get('to')}))
        (if (i32.eqz ${recordGet(get('v'), 'SEMI')})
          (then
            ${recordSet(get('v'), 'PARENT', get('r'))}
            ${set('n', `(i32.add ${get('n')} (i32.const 1))`)}
            ${recordSet(get('v'), 'SEMI', get('n'))}
            ${wordSet('$vertex', get('n'), get('v'))}
            ${recordSet(get('v'), 'LABEL', get('v'))}))
        ${recordSet(get('v'), 'ANCESTOR', '(i32.const 0)')}
        ${set('v', `(i32.add ${get('v')} (i32.const 1))`)}
        (br $next)))
    ${get('n')})

  ;; Path compression without a stack: the way up reverses the ancestor links, the way down
  ;; restores them, compressed, from the top.
  (func $compress (param $rec i32) (param $v i32)
    (local $below i32) (local $up i32) (local $w i32) (local $labelV i32) (local $labelW i32)
    (block $top
      (loop $climb
        ${set('up', recordGet(get('v'), 'ANCESTOR'))}
        (br_if $top (i32.eqz ${recordGet(get('up'), 'ANCESTOR')}))
        ${recordSet(get('v'), 'ANCESTOR', get('below'))}
        ${set('below', get('v'))}
        ${set('v', get('up'))}
        (br $climb)))
    (block $done
      (loop $descend
        (br_if $done (i32.eqz ${get('below')}))
        ${set('w', get('below'))}
        ${set('below', recordGet(get('w'), 'ANCESTOR'))}
        ${set('labelV', recordGet(get('v'), 'LABEL'))}
        ${set('labelW', recordGet(get('w'), 'LABEL'))}
        (if (i32.lt_u ${recordGet(get('labelV'), 'SEMI')} ${recordGet(get('labelW'), 'SEMI')})
          (then ${recordSet(get('w'), 'LABEL', get('labelV'))}))
        ${recordSet(get('w'), 'ANCESTOR', recordGet(get('v'), 'ANCESTOR'))}
        ${set('v', get('w'))}
        (br $descend))))

  ;; eval(v): v itself while it is a forest root, else the label of least semidominator on its path.
  (func $evaluate (param $rec i32) (param $v i32) (result i32)
    (if (i32.eqz ${recordGet(get('v'), 'ANCESTOR')}) (then (return ${get('v')})))
    (call $compress ${get('rec')} ${get('v')})
    ${recordGet(get('v'), 'LABEL')})

  ;; Semidominators, and the dominators they settle, of the vertices numbered $from down to $to
  ;; (at least 2), in that order; $rootSemi is the root's number. $deferred heads the list of
  ;; vertices dominated as another is (the caller settles them at the end): returns its new head.
  (func (export "semidominatorSteps")
    (param $rec i32) (param $vertex i32) (param $firstRetainer i32) (param $retainerNode i32)
    (param $dom i32) (param $bucketFull i32) (param $from i32) (param $to i32) (param $rootSemi i32)
    (param $deferred i32) (result i32)
    (local $i i32) (local $w i32) (local $semiW i32) (local $orphan i32) (local $k i32) (local $kEnd i32)
    (local $entry i32) (local $u i32) (local $semiU i32) (local $p i32) (local $b i32) (local $v i32)
    (local $next i32)
    ${set('i', get('from'))}
    (block $processed
      (loop $vertexLoop
        (br_if $processed (i32.lt_u ${get('i')} ${get('to')}))
        ${set('w', wordGet('$vertex', get('i')))}
        ${set('semiW', recordGet(get('w'), 'SEMI'))}
        ${set('orphan', '(i32.const 1)')}
        ;; Retainers of ordinal w - 1.
        ${set('k', wordGet('$firstRetainer', `(i32.sub ${get('w')} (i32.const 1))`))}
        ${set('kEnd', wordGet('$firstRetainer', get('w')))}
        (block $retainersDone
          (loop $retainer
            (br_if $retainersDone (i32.ge_u ${get('k')} ${get('kEnd')}))
            ${set('entry', wordGet('$retainerNode', get('k')))}
            (if (i32.eqz (i32.and ${get('entry')} (i32.const ${NOT_ESSENTIAL})))
              (then
                ${set('orphan', '(i32.const 0)')}
                ${set('u', `(call $evaluate ${get('rec')} (i32.add (i32.and ${get('entry')} (i32.const ${RETAINER_MASK})) (i32.const 1)))`)}
                ${set('semiU', recordGet(get('u'), 'SEMI'))}
                (if (i32.lt_u ${get('semiU')} ${get('semiW')}) (then ${set('semiW', get('semiU'))}))))
            ${set('k', `(i32.add ${get('k')} (i32.const 1))`)}
            (br $retainer)))
        ;; A vertex with no essential retainer hangs off the root.
        (if ${get('orphan')} (then ${set('semiW', get('rootSemi'))}))
        ${recordSet(get('w'), 'SEMI', get('semiW'))}
        ${set('p', recordGet(get('w'), 'PARENT'))}
        (if (i32.eq ${get('semiW')} ${recordGet(get('p'), 'SEMI')})
          (then ${wordSet('$dom', get('w'), get('p'))})
          (else
            ;; Into the bucket of the vertex numbered semiW; the link in w's PARENT word.
            ${set('b', wordGet('$vertex', get('semiW')))}
            (i32.store8 ${bitAddress('$bucketFull', get('b'))}
              (i32.or (i32.load8_u ${bitAddress('$bucketFull', get('b'))}) ${bitMask(get('b'))}))
            ${recordSet(get('w'), 'PARENT', wordGet('$dom', get('b')))}
            ${wordSet('$dom', get('b'), get('w'))}))
        ${recordSet(get('w'), 'ANCESTOR', get('p'))}
        (if ${bitSet('$bucketFull', get('p'))}
          (then
            (i32.store8 ${bitAddress('$bucketFull', get('p'))}
              (i32.and (i32.load8_u ${bitAddress('$bucketFull', get('p'))}) (i32.xor ${bitMask(get('p'))} (i32.const -1))))
            ${set('v', wordGet('$dom', get('p')))}
            (block $emptied
              (loop $inBucket
                (br_if $emptied (i32.eqz ${get('v')}))
                ${set('u', `(call $evaluate ${get('rec')} ${get('v')})`)}
                ${set('next', recordGet(get('v'), 'PARENT'))}
                (if (i32.lt_u ${recordGet(get('u'), 'SEMI')} ${recordGet(get('v'), 'SEMI')})
                  (then
                    ;; Dominated as u is: settled after the loop, once u is.
                    ${wordSet('$dom', get('v'), get('u'))}
                    ${recordSet(get('v'), 'PARENT', get('deferred'))}
                    ${set('deferred', get('v'))})
                  (else ${wordSet('$dom', get('v'), get('p'))}))
                ${set('v', get('next'))}
                (br $inBucket)))
            ${wordSet('$dom', get('p'), '(i32.const 0)')}))
        ${set('i', `(i32.sub ${get('i')} (i32.const 1))`)}
        (br $vertexLoop)))
    ${get('deferred')})

  ;; The retainers' entries for the edges of nodes $from..$to - 1, as fillRetainers in
  ;; retainers.ts: for each edge, its source node with the flags, at its target's cursor in
  ;; firstRetainer (which the caller shifts back after). $shortcut is the type of shortcut
  ;; edges, strong only from $root.
  (func (export "fillRetainers")
    (param $firstEdge i32) (param $edgeType i32) (param $edgeTarget i32) (param $essential i32)
    (param $firstRetainer i32) (param $retainerNode i32)
    (param $from i32) (param $to i32) (param $root i32) (param $weak i32) (param $shortcut i32)
    (local $n i32) (local $e i32) (local $end i32) (local $type i32) (local $target i32)
    (local $entry i32) (local $notStrongShortcut i32) (local $slot i32) (local $at i32)
    ${set('n', get('from'))}
    (block $done
      (loop $node
        (br_if $done (i32.ge_u ${get('n')} ${get('to')}))
        ${set('e', wordGet('$firstEdge', get('n')))}
        ${set('end', wordGet('$firstEdge', `(i32.add ${get('n')} (i32.const 1))`))}
        ${set('notStrongShortcut', `(select (i32.const -1) ${get('shortcut')} (i32.eq ${get('n')} ${get('root')}))`)}
        (block $edgesDone
          (loop $edge
            (br_if $edgesDone (i32.ge_u ${get('e')} ${get('end')}))
            ${set('type', `(i32.load8_u (i32.add ${get('edgeType')} ${get('e')}))`)}
            ${set('target', wordGet('$edgeTarget', get('e')))}
            ${set('entry', get('n'))}
            (if (i32.eqz ${bitSet('$essential', get('e'))})
              (then ${set('entry', `(i32.or ${get('entry')} (i32.const ${NOT_ESSENTIAL}))`)}))
            (if (i32.or (i32.eq ${get('type')} ${get('weak')}) (i32.eq ${get('type')} ${get('notStrongShortcut')}))
              (then ${set('entry', `(i32.or ${get('entry')} (i32.const ${NOT_STRONG}))`)}))
            ${set('slot', word('$firstRetainer', get('target')))}
            ${set('at', '(i32.load (local.get $slot))')}
            ${wordSet('$retainerNode', get('at'), get('entry'))}
            (i32.store (local.get $slot) (i32.add ${get('at')} (i32.const 1)))
            ${set('e', `(i32.add ${get('e')} (i32.const 1))`)}
            (br $edge)))
        ${set('n', `(i32.add ${get('n')} (i32.const 1))`)}
        (br $node)))
    )

  ;; Storage attribution's walk (attributeOwnedStorage in shallowSizes.ts) for the owners
  ;; $from..$to - 1: each non-storage node passes itself, as owner, to the storage nodes its
  ;; strong edges reach, and each of those passes its owner on, depth first; a storage node
  ;; reached from two owners becomes SHARED. Returns 0, or 1 if the stack (room for $stackRoom
  ;; entries) overflowed: the caller then runs the JavaScript instead, from the start.
  (func (export "ownStorageSteps")
    (param $firstEdge i32) (param $edgeType i32) (param $edgeTarget i32) (param $storage i32)
    (param $owners i32) (param $stack i32) (param $stackRoom i32) (param $from i32) (param $to i32) (param $weak i32)
    (result i32)
    (local $n i32) (local $m i32) (local $owner i32) (local $top i32) (local $e i32) (local $end i32)
    (local $target i32) (local $current i32)
    ${set('n', get('from'))}
    (block $done
      (loop $node
        (br_if $done (i32.ge_u ${get('n')} ${get('to')}))
        (if (i32.eqz ${bitSet('$storage', get('n'))})
          (then
            ;; The owner's own edges first (m = n), then those of the storage nodes on the stack.
            ${set('m', get('n'))}
            ${set('owner', get('n'))}
            (block $walked
              (loop $walk
                ${set('e', wordGet('$firstEdge', get('m')))}
                ${set('end', wordGet('$firstEdge', `(i32.add ${get('m')} (i32.const 1))`))}
                (block $edgesDone
                  (loop $edge
                    (br_if $edgesDone (i32.ge_u ${get('e')} ${get('end')}))
                    ${set('target', wordGet('$edgeTarget', get('e')))}
                    (if (i32.and
                          (i32.ne ${bitSet('$storage', get('target'))} (i32.const 0))
                          (i32.ne (i32.load8_u (i32.add ${get('edgeType')} ${get('e')})) ${get('weak')}))
                      (then
                        ${set('current', wordGet('$owners', get('target')))}
                        (if (i32.eq ${get('current')} (i32.const ${UNVISITED}))
                          (then
                            ${wordSet('$owners', get('target'), get('owner'))}
                            (if (i32.ge_u ${get('top')} ${get('stackRoom')}) (then (return (i32.const 1))))
                            ${wordSet('$stack', get('top'), get('target'))}
                            ${set('top', `(i32.add ${get('top')} (i32.const 1))`)})
                          (else
                            (if (i32.and (i32.ne ${get('current')} ${get('owner')}) (i32.ne ${get('current')} (i32.const ${SHARED})))
                              (then
                                ${wordSet('$owners', get('target'), `(i32.const ${SHARED})`)}
                                (if (i32.ge_u ${get('top')} ${get('stackRoom')}) (then (return (i32.const 1))))
                                ${wordSet('$stack', get('top'), get('target'))}
                                ${set('top', `(i32.add ${get('top')} (i32.const 1))`)}))))))
                    ${set('e', `(i32.add ${get('e')} (i32.const 1))`)}
                    (br $edge)))
                (br_if $walked (i32.eqz ${get('top')}))
                ${set('top', `(i32.sub ${get('top')} (i32.const 1))`)}
                ${set('m', wordGet('$stack', get('top')))}
                ${set('owner', wordGet('$owners', get('m')))}
                (br $walk)))))
        ${set('n', `(i32.add ${get('n')} (i32.const 1))`)}
        (br $node)))
    (i32.const 0))
)
`;
}

export const GENERATED = 'src/heap/graphKernels.wasm.ts';
export const CONSTANT = 'GRAPH_KERNELS_WASM';

/** The kernels' binary, assembled by wabt. */
export async function assemble() {
  const wabt = await (await import('wabt')).default();
  // Shared memory is a "threads" feature (dfsSteps returns two values: "multi_value"), for the
  // parser and for the validator alike.
  const features = { threads: true, multi_value: true };
  const module = wabt.parseWat('graphKernels.wat', graphKernelsWat(), features);
  try {
    module.validate(features);
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
