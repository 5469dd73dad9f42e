/** `leak-lens` command line: the same engine as the extension, headless. */
import { analyzeCommand, ANALYZE_USAGE, describeLoadError } from './analyze';
import { UsageError } from './args';

const USAGE = `Usage: leak-lens <command> [options]

Commands:
  ${ANALYZE_USAGE.split('\n').join('\n  ')}

Exit codes: 0 success, 2 bad usage or unreadable input.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return await analyzeCommand(rest, process.stdout, process.stderr);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`leak-lens: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    const load = describeLoadError(e);
    if (load) {
      process.stderr.write(`leak-lens: ${load}\n`);
      return 2;
    }
    process.stderr.write(`leak-lens: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`leak-lens: ${String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
