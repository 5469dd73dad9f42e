import { prefaulted } from './memory';

/** An open-addressing hash set of 32-bit node ids: the membership test of the leak diff. */
export class IdSet {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private hasZero = false;

  constructor(ids: Uint32Array) {
    let capacity = 16;
    while (capacity < ids.length * 2) capacity *= 2;
    this.slots = prefaulted(new Uint32Array(capacity));
    this.mask = capacity - 1;
    for (let i = 0; i < ids.length; i++) this.add(ids[i]);
  }

  has(id: number): boolean {
    if (id === 0) return this.hasZero;
    let i = hash(id) & this.mask;
    for (;;) {
      const v = this.slots[i];
      if (v === id) return true;
      if (v === 0) return false;
      i = (i + 1) & this.mask;
    }
  }

  private add(id: number): void {
    if (id === 0) {
      this.hasZero = true;
      return;
    }
    let i = hash(id) & this.mask;
    while (this.slots[i] !== 0 && this.slots[i] !== id) i = (i + 1) & this.mask;
    this.slots[i] = id;
  }
}

function hash(id: number): number {
  return Math.imul(id, 0x9e3779b1) >>> 0;
}
