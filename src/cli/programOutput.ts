/**
 * The launched program's own output, kept apart from the report: it goes to our stderr (stdout
 * is the report's, so `--json` stays pure JSON), each line marked with the program's name
 * ("[app.js] listening on 3000"), so nothing it prints is taken for Leak Lens' own words.
 */
export class MarkedLines {
  private partial = '';

  constructor(
    private readonly out: NodeJS.WritableStream | undefined,
    private readonly mark: string,
  ) {}

  /** Writes the complete lines in `text`, each marked; keeps an unfinished last line for later. */
  write(text: string): void {
    const all = this.partial + text;
    const end = all.lastIndexOf('\n');
    if (end < 0) {
      this.partial = all;
      return;
    }
    this.partial = all.slice(end + 1);
    const lines = all.slice(0, end).split('\n');
    this.out?.write(lines.map((l) => `${this.mark}${l}\n`).join(''));
  }

  /** Ends an unfinished last line (the program ended, or stopped mid-line). */
  flush(): void {
    if (this.partial === '') return;
    const rest = this.partial;
    this.partial = '';
    this.out?.write(`${this.mark}${rest}\n`);
  }

  /** Drops an unfinished line (the output is muted from here). */
  drop(): void {
    this.partial = '';
  }
}

/** "[app.js] ": the mark for a program's lines. */
export function programMark(scriptName: string): string {
  // eslint-disable-next-line no-control-regex
  return `[${scriptName.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}] `;
}
