// The WebAssembly kernels of the snapshot parser's fast paths (src/heap/rowKernels.ts), as
// WebAssembly text, and their assembly with wabt. `npm run build` writes the binary into
// src/heap/rowKernels.wasm.ts when the text has changed; a unit test checks that the
// committed binary is the one this text gives.
//
// Both kernels read rows of plain digits and commas ('\n' allowed before the ',' between
// rows), V8's own layout, from memory [i, limit) and store each field straight into its
// output column. They stop before the first row that is anything else (a space, a number of
// more than MAX_DIGITS digits, a value out of range) and leave that row to the parser's
// general scanner, exactly as the JavaScript fast paths do. A zero byte follows the input, so
// a number never runs past it.

export const MAX_DIGITS = 15;

/** Reads one number of digits at $i into `v` (i64), leaving $i on the byte after; refuses the row if there is none or it is too long. */
const number = (v) => `
      (local.set $d (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
      (br_if $stop (i32.ge_u (local.get $d) (i32.const 10)))
      (local.set $first (local.get $i))
      (local.set ${v} (i64.extend_i32_u (local.get $d)))
      (block $last
        (loop $digit
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $d (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
          (br_if $last (i32.ge_u (local.get $d) (i32.const 10)))
          (local.set ${v} (i64.add (i64.mul (local.get ${v}) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
          (br $digit)))
      (br_if $stop (i32.gt_u (i32.sub (local.get $i) (local.get $first)) (i32.const ${MAX_DIGITS})))`;

/** Requires a ',' at $i and steps over it. */
const comma = `
      (br_if $stop (i32.ne (i32.load8_u (local.get $i)) (i32.const 44)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))`;

/**
 * The loop over rows: stops at `limit` or after `rows` rows; between rows, '\n' is allowed
 * before the ','. `body` parses and stores one row (at $row), or branches to $stop.
 */
const rowLoop = (body) => `
    (block $stop
      (loop $next
        (local.set $rowStart (local.get $i))
        (br_if $stop (i32.ge_u (local.get $i) (local.get $limit)))
        (br_if $stop (i32.ge_u (local.get $row) (local.get $rows)))
        (if (local.get $afterRow)
          (then
            (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 10))
              (then (local.set $i (i32.add (local.get $i) (i32.const 1)))))
            ${comma.trim()}))
        ${body.trim()}
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (local.set $afterRow (i32.const 1))
        (br $next)))
    ;; Where the parser resumes: just after the last row stored.
    (i32.store (i32.const 0) (local.get $rowStart))`;

/** Stores `value` (i32) into the i32 column at byte offset `column`, row $row. */
const store32 = (column, value) =>
  `(i32.store (i32.add (local.get ${column}) (i32.shl (local.get $row) (i32.const 2))) ${value})`;

export function rowKernelsWat() {
  return `;; Generated from src/heap/rowKernels.wat.mjs: edit that file, not this text.
(module
  ;; The caller makes the memory at its full size: growing it would detach its buffer, which
  ;; makes V8 check every typed array access in the thread for a detached buffer from then on.
  (import "kernel" "memory" (memory 1))

  ;; Edge rows: three fields in any order (type, name_or_index, to_node); "to" must be a whole
  ;; node (a multiple of the node row width, below nodeLimit), the type a known one, the name
  ;; fit 32 bits. Results
  ;; besides the row count (returned): [0] where it stopped (i32); [8] the largest name of a
  ;; string-named edge (f64) and [16] its row (i32, -1 if none was larger than maxNamed).
  (func (export "edges")
    (param $i i32) (param $limit i32) (param $rows i32) (param $afterRow i32)
    (param $typeAt i32) (param $nameAt i32) (param $toAt i32)
    (param $typeCount i32) (param $elementType i32) (param $hiddenType i32)
    (param $nodeWidth i32) (param $nodeLimit i64) (param $maxNamed f64)
    (param $typeOut i32) (param $nameOut i32) (param $targetOut i32)
    (result i32)
    (local $row i32) (local $rowStart i32) (local $d i32) (local $first i32)
    (local $v0 i64) (local $v1 i64) (local $v2 i64)
    (local $type i32) (local $name i64) (local $to i64) (local $target i32) (local $namedRow i32)
    (local.set $namedRow (i32.const -1))
    ${rowLoop(`
      ${number('$v0')}
      ${comma}
      ${number('$v1')}
      ${comma}
      ${number('$v2')}
      (local.set $to (select (local.get $v0) (select (local.get $v1) (local.get $v2) (i32.eq (local.get $toAt) (i32.const 1))) (i32.eqz (local.get $toAt))))
      (br_if $stop (i64.ge_u (local.get $to) (local.get $nodeLimit)))
      ;; nodeLimit is below 2^32 (the caller checks), so "to" is too.
      (local.set $target (i32.div_u (i32.wrap_i64 (local.get $to)) (local.get $nodeWidth)))
      (br_if $stop (i32.ne (i32.mul (local.get $target) (local.get $nodeWidth)) (i32.wrap_i64 (local.get $to))))
      (local.set $name (select (local.get $v0) (select (local.get $v1) (local.get $v2) (i32.eq (local.get $nameAt) (i32.const 1))) (i32.eqz (local.get $nameAt))))
      ;; Names and indexes are stored in 32 bits; a larger one is the general scanner's to report.
      (br_if $stop (i64.gt_u (local.get $name) (i64.const 0xffffffff)))
      (br_if $stop (i64.ge_u
        (select (local.get $v0) (select (local.get $v1) (local.get $v2) (i32.eq (local.get $typeAt) (i32.const 1))) (i32.eqz (local.get $typeAt)))
        (i64.extend_i32_u (local.get $typeCount))))
      (local.set $type (i32.wrap_i64 (select (local.get $v0) (select (local.get $v1) (local.get $v2) (i32.eq (local.get $typeAt) (i32.const 1))) (i32.eqz (local.get $typeAt)))))
      ;; Element and hidden edges name an index, the others a string.
      (if (i32.and
            (f64.gt (f64.convert_i64_u (local.get $name)) (local.get $maxNamed))
            (i32.and (i32.ne (local.get $type) (local.get $elementType)) (i32.ne (local.get $type) (local.get $hiddenType))))
        (then
          (local.set $maxNamed (f64.convert_i64_u (local.get $name)))
          (local.set $namedRow (local.get $row))))
      (i32.store8 (i32.add (local.get $typeOut) (local.get $row)) (local.get $type))
      ${store32('$nameOut', '(i32.wrap_i64 (local.get $name))')}
      ${store32('$targetOut', '(local.get $target)')}`)}
    (f64.store (i32.const 8) (local.get $maxNamed))
    (i32.store (i32.const 16) (local.get $namedRow))
    (local.get $row))

  ;; Node rows in V8's field order: type, name, id, self_size, edge_count, trace_node_id and,
  ;; with $detached, detachedness. The type must be a known one, the id fit 32 bits, the
  ;; detachedness a byte, and the edge counts so far (edgeSum) stay within edgeCount. Results besides the row count:
  ;; [0] where it stopped; [8] the largest name (f64) and [16] its row (-1 if none was larger
  ;; than maxName); [24] the edge count so far (f64).
  (func (export "v8Nodes")
    (param $i i32) (param $limit i32) (param $rows i32) (param $afterRow i32)
    (param $typeCount i32) (param $edgeCount f64) (param $edgeSum f64) (param $maxName f64) (param $detached i32)
    (param $typeOut i32) (param $nameOut i32) (param $idOut i32) (param $sizeOut i32) (param $edgesOut i32) (param $detachedOut i32)
    (result i32)
    (local $row i32) (local $rowStart i32) (local $d i32) (local $first i32)
    (local $type i64) (local $name i64) (local $id i64) (local $size i64) (local $edges i64) (local $trace i64) (local $state i64)
    (local $nameRow i32)
    (local.set $nameRow (i32.const -1))
    ${rowLoop(`
      ${number('$type')}
      ${comma}
      ${number('$name')}
      ${comma}
      ${number('$id')}
      ${comma}
      ${number('$size')}
      ${comma}
      ${number('$edges')}
      ${comma}
      ${number('$trace')}
      (if (local.get $detached)
        (then
          ${comma.trim()}
          ${number('$state').trim()}))
      (br_if $stop (i64.ge_u (local.get $type) (i64.extend_i32_u (local.get $typeCount))))
      (br_if $stop (i64.gt_u (local.get $id) (i64.const 0xffffffff)))
      ;; Detachedness is stored in a byte.
      (br_if $stop (i32.and (local.get $detached) (i64.gt_u (local.get $state) (i64.const 255))))
      (br_if $stop (f64.gt (f64.add (local.get $edgeSum) (f64.convert_i64_u (local.get $edges))) (local.get $edgeCount)))
      (if (f64.gt (f64.convert_i64_u (local.get $name)) (local.get $maxName))
        (then
          (local.set $maxName (f64.convert_i64_u (local.get $name)))
          (local.set $nameRow (local.get $row))))
      (local.set $edgeSum (f64.add (local.get $edgeSum) (f64.convert_i64_u (local.get $edges))))
      (i32.store8 (i32.add (local.get $typeOut) (local.get $row)) (i32.wrap_i64 (local.get $type)))
      ${store32('$nameOut', '(i32.wrap_i64 (local.get $name))')}
      ${store32('$idOut', '(i32.wrap_i64 (local.get $id))')}
      (f64.store (i32.add (local.get $sizeOut) (i32.shl (local.get $row) (i32.const 3))) (f64.convert_i64_u (local.get $size)))
      ${store32('$edgesOut', '(i32.wrap_i64 (local.get $edges))')}
      (if (local.get $detached)
        (then (i32.store8 (i32.add (local.get $detachedOut) (local.get $row)) (i32.wrap_i64 (local.get $state)))))`)}
    (f64.store (i32.const 8) (local.get $maxName))
    (i32.store (i32.const 16) (local.get $nameRow))
    (f64.store (i32.const 24) (local.get $edgeSum))
    (local.get $row))
)
`;
}

export const GENERATED = 'src/heap/rowKernels.wasm.ts';
export const CONSTANT = 'ROW_KERNELS_WASM';

/** The kernels' binary, assembled by wabt. */
export async function assemble() {
  const wabt = await (await import('wabt')).default();
  const module = wabt.parseWat('rowKernels.wat', rowKernelsWat());
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
