/**
 * The snapshot parser's "locations" section (the source locations V8 records for closures and
 * located objects): its rows, read by parserRows.ts, become (node, script id, line, column).
 */
import { readPlainRow } from './parserFastRows';
import type { RowReader } from './parserRows';

/** Location rows on the fast path (object_index, script_id, line, column in any order); same contract as fastEdges. */
export function fastLocations(r: RowReader, b: Uint8Array, i: number, limit: number): number {
  const width = r.locationFieldCount;
  if (width > r.rowValues.length) return i;
  const values = r.rowValues;
  const slots = r.locationSlots;
  const nodeWidth = r.nodeFieldCount;
  const nodeLimit = r.nodeCount * nodeWidth;
  const out = r.locations;
  let row = r.row;
  let boundary = i;
  while (i < limit) {
    i = readPlainRow(r, b, i, width, row !== r.row || r.numberState === 2);
    if (i < 0) break;
    let objectIndex = 0;
    let scriptId = 0;
    let line = 0;
    let column = 0;
    for (let f = 0; f < width; f++) {
      const slot = slots[f];
      if (slot === 0) objectIndex = values[f];
      else if (slot === 1) scriptId = values[f];
      else if (slot === 2) line = values[f];
      else if (slot === 3) column = values[f];
    }
    const node = objectIndex / nodeWidth;
    if (objectIndex >= nodeLimit || node !== Math.floor(node)) break;
    out.push(node);
    out.push(scriptId);
    out.push(line);
    out.push(column);
    row++;
    boundary = i;
  }
  r.rowsStored(row);
  return boundary;
}

export function spreadLocations(r: RowReader, values: Float64Array, count: number): number {
  const width = r.locationFieldCount;
  const rows = Math.floor(count / width);
  const slots = r.locationSlots;
  const row = new Float64Array(4);
  for (let v = 0; v < rows * width; v += width) {
    for (let f = 0; f < width; f++) if (slots[f] >= 0) row[slots[f]] = values[v + f];
    const objectIndex = row[0];
    if (objectIndex % r.nodeFieldCount !== 0 || objectIndex / r.nodeFieldCount >= r.nodeCount) {
      r.failAtValue(`Location ${r.row} points outside the node array`, v);
    }
    r.row++;
    r.locations.push(objectIndex / r.nodeFieldCount);
    r.locations.push(row[1]);
    r.locations.push(row[2]);
    r.locations.push(row[3]);
  }
  return rows * width;
}
