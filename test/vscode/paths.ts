/** Where the VS Code test host finds things: the repo, the server build, Chromium, artifacts. */
import * as path from 'path';

/** The repository root (this file compiles to out/test/vscode/paths.js). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const HOST_CACHE = path.join(REPO_ROOT, '.cache', 'vscode-host');
export const SERVER_MAIN = path.join(HOST_CACHE, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
export const CHROMIUM = process.env.LEAK_LENS_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');
/** The compiled test module directory (its index.js exports run()). */
export const SUITE_PATH = path.join(__dirname, 'suite');

/** Workbench URLs and Quick Open want forward slashes whatever the OS. */
export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
