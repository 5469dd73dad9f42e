/** `leak-lens` command line: the same engine as the extension, headless. */
import { analyzeCommand, ANALYZE_USAGE, describeLoadError } from './analyze';
import { CliError, UsageError } from './args';
import { printable } from '../report/format';
import { attachCommand, diffCommand, profileCommand, PROFILE_USAGE } from './profile';
import { InspectorError } from '../inspector/session';
import { ProfileError } from '../profile/profileFunction';
import { relaunchWithoutNodeOptions } from './ownProcess';

const USAGE = `Usage: leak-lens <command> [options]

Commands:
  ${PROFILE_USAGE.split('\n').join('\n  ')}
  ${ANALYZE_USAGE.split('\n').join('\n  ')}

Exit codes: 0 success / no leak, 1 a leak was found, 2 bad usage, unreadable input or a failed run.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return await analyzeCommand(rest, process.stdout, process.stderr);
      case 'profile':
        return await profileCommand(rest, process.stdout, process.stderr);
      case 'attach':
        return await attachCommand(rest, process.stdout, process.stderr);
      case 'diff':
        return await diffCommand(rest, process.stdout, process.stderr);
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
      process.stderr.write(`leak-lens: ${printable(e.message, true)}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`leak-lens: ${printable(e.message, true)}\n`);
      return 2;
    }
    if (e instanceof InspectorError || e instanceof ProfileError) {
      // Messages carry the debuggee's strings: printed safely.
      process.stderr.write(`leak-lens: ${printable(e.message, true)}\n`);
      const remote = (e as { remoteStack?: string }).remoteStack;
      if (remote) process.stderr.write(`${printable(remote, true)}\n`);
      return 2;
    }
    const load = describeLoadError(e);
    if (load) {
      process.stderr.write(`leak-lens: ${printable(load, true)}\n`);
      return 2;
    }
    // Something unforeseen: its message, and the stack only when asked for (bug reports).
    const debug = Boolean(process.env.LEAK_LENS_DEBUG);
    const text = e instanceof Error ? (debug ? e.stack ?? e.message : e.message) : String(e);
    process.stderr.write(`leak-lens: ${printable(text, true)}${debug ? '' : ' (set LEAK_LENS_DEBUG=1 to see where it came from)'}\n`);
    return 2;
  }
}

if (require.main === module && !relaunchWithoutNodeOptions(__filename)) {
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
