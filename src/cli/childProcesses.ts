/**
 * A function not in the launched process may run in one of its child processes: cluster
 * workers get an inspector of their own (the primary's port plus one, plus two, …), as do
 * forks that inherit --inspect. `profile` looks there before it gives up; `attach` looks at the
 * inspectors on the ports after the one it was given, where a cluster primary's workers listen.
 */
import { connectInspector } from '../inspector/connect';
import { isNotFound, ProfileError, profileFunction, type EndpointSpec, type FunctionSpec, type ProfileHooks } from '../profile/profileFunction';
import type { LeakReport, ProfileOptions } from '../report/types';

/** "127.0.0.1:9230" from "ws://127.0.0.1:9230/<uuid>". */
export function inspectorAddress(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Profiles in the first child process whose inspector has the function; throws `notInMain`,
 * extended with the processes looked in, when none has it.
 */
export async function profileInChildProcesses(
  urls: string[],
  spec: FunctionSpec | EndpointSpec,
  options: Partial<ProfileOptions>,
  hooks: ProfileHooks,
  notInMain: ProfileError,
  found: 'children' | 'next ports' = 'children',
): Promise<LeakReport> {
  for (const url of urls) {
    const session = await connectInspector(url).catch(() => undefined);
    if (!session) continue; // Exited meanwhile: look in the others.
    try {
      return await profileFunction(session, spec, options, {
        ...hooks,
        resolveRetryMs: 2000,
        targetDescription: found === 'children'
          ? `${hooks.targetDescription ?? 'the program'}, in its child process at ${inspectorAddress(url)}`
          : `the process at ${inspectorAddress(url)}, next to the ${hooks.targetDescription ?? 'inspector given'}`,
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    } finally {
      await session.close().catch(() => undefined);
    }
  }
  const where = urls.map(inspectorAddress).join(', ');
  const plural = urls.length === 1 ? '' : 'es';
  throw new ProfileError(
    found === 'children'
      ? `${notInMain.message.replace(/([^.])$/, '$1.')} It was also looked for in the program's ${urls.length} child process${plural} with an inspector (cluster workers or forks, at ${where}), and none has it.`
      : `${notInMain.message.replace(/([^.])$/, '$1.')} It was also looked for in the ${urls.length} process${plural} whose inspectors listen on the next ports (where a cluster's workers listen: ${where}), and none has it.`,
  );
}
