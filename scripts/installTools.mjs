// Installs a tool folder's own dependencies (bench/, packaging/, test/fixtures/packages/) from its
// lock, once per lock: they stay out of the root install. Scripts are disabled: memlab pulls
// puppeteer, whose install downloads a browser, and vsce's optional keytar downloads a prebuilt
// binary; neither is used (and the test fixtures' packages need none).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const folder = process.argv[2];
if (!folder || !existsSync(join(root, folder, 'package-lock.json'))) {
  console.error(`installTools: give a folder with a package-lock.json (bench, packaging or test/fixtures/packages), got ${folder ?? 'nothing'}`);
  process.exit(2);
}
const dir = join(root, folder);
const lockHash = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');
const marker = join(dir, 'node_modules', '.installed-lock');
if (existsSync(marker) && readFileSync(marker, 'utf8') === lockHash) process.exit(0);

console.error(`installing ${relative(root, dir)}/ from its lock (once)…`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
if (run.status !== 0) {
  console.error(`installTools: npm ci in ${relative(root, dir)}/ failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
writeFileSync(marker, lockHash);
