/**
 * `npm run package` makes a VSIX that holds only what runs, and VS Code installs it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, SERVER_MAIN } from './paths';

test('the VSIX contains only the bundles, the keep-alive preload, the stylesheet, README and license, and installs', { timeout: 300_000 }, () => {
  const vsix = path.join(REPO_ROOT, 'leak-lens.vsix');
  fs.rmSync(vsix, { force: true });
  const pack = spawnSync('npm', ['run', 'package'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'true' } });
  assert.equal(pack.status, 0, pack.stdout + pack.stderr);
  assert.ok(fs.existsSync(vsix));

  const list = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  const files = list.status === 0 ? list.stdout.trim().split('\n') : listZip(vsix);
  const shipped = files.filter((f) => f.startsWith('extension/')).sort();
  assert.deepEqual(shipped, [
    'extension/LICENSE.txt',
    'extension/dist/cli.js',
    'extension/dist/dominatorThread.js',
    'extension/dist/extension.js',
    'extension/dist/heapWorker.js',
    'extension/dist/leak-lens-keep-alive.cjs',
    'extension/dist/panel.js',
    'extension/dist/snapshotEditor.js',
    'extension/media/panel.css',
    'extension/media/snapshot.css',
    'extension/package.json',
    'extension/readme.md',
  ]);

  // Installed by VS Code (its server build: the same extension management code as desktop).
  const extensionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-vsix-'));
  try {
    const install = spawnSync(process.execPath, [SERVER_MAIN, '--install-extension', vsix, '--extensions-dir', extensionsDir, '--accept-server-license-terms'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(install.status, 0, install.stdout + install.stderr);
    assert.match(install.stdout + install.stderr, /successfully installed/i);
    const installed = fs.readdirSync(extensionsDir).find((d) => d.startsWith('leak-lens.leak-lens-'));
    assert.ok(installed, `installed folder in ${fs.readdirSync(extensionsDir).join(', ')}`);
    assert.ok(fs.existsSync(path.join(extensionsDir, installed, 'dist', 'extension.js')));
  } finally {
    fs.rmSync(extensionsDir, { recursive: true, force: true });
  }
});

/** Central-directory names of a zip, for machines without unzip. */
function listZip(file: string): string[] {
  const buf = fs.readFileSync(file);
  const names: string[] = [];
  for (let i = 0; i + 46 <= buf.length; i++) {
    if (buf.readUInt32LE(i) !== 0x02014b50) continue;
    const nameLength = buf.readUInt16LE(i + 28);
    names.push(buf.toString('utf8', i + 46, i + 46 + nameLength));
  }
  return names;
}
