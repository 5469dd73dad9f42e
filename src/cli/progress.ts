/**
 * The CLI's sign of life on stderr: each phase once, and while V8 writes a snapshot its
 * percentage and an estimate of the time left. On a terminal one line is redrawn; elsewhere
 * (CI logs) a line is printed at each quarter.
 */
const SNAPSHOT_PHASES = new Set(['resolve', 'baseline', 'target', 'final']);
/** The worker's own steps (parse, indexes): too quick and too many to print. */
const QUIET = /:|^analysis$/;

export class ProgressLine {
  private phase = '';
  private started = 0;
  private lastQuarter = -1;
  private open = false;

  constructor(
    private readonly err: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly now: () => number = () => performance.now(),
  ) {}

  readonly update = (phase: string, done?: number, total?: number): void => {
    if (QUIET.test(phase)) return;
    if (phase !== this.phase) {
      this.endLine();
      this.phase = phase;
      this.started = this.now();
      this.lastQuarter = -1;
      this.err.write(`${phase}…`);
      this.open = true;
      if (!this.err.isTTY) this.endLine();
    }
    if (!SNAPSHOT_PHASES.has(phase) || done === undefined || !total) return;
    const share = Math.min(1, done / total);
    const text = `${phase}… ${Math.floor(share * 100)}%${this.eta(share)}`;
    if (this.err.isTTY) {
      this.err.write(`\r${text}\u001b[K`);
      this.open = true;
    } else {
      const quarter = Math.floor(share * 4);
      if (quarter > this.lastQuarter && quarter > 0) {
        this.lastQuarter = quarter;
        this.err.write(`${text}\n`);
      }
    }
  };

  /** Ends the redrawn line, so what follows starts on a line of its own. */
  endLine(): void {
    if (this.open) this.err.write('\n');
    this.open = false;
  }

  private eta(share: number): string {
    const elapsed = this.now() - this.started;
    if (share <= 0.02 || share >= 1 || elapsed < 1000) return '';
    const left = (elapsed / share) * (1 - share);
    return ` · about ${Math.max(1, Math.round(left / 1000))} s left`;
  }
}
