/** Script URLs from the heap become local file paths, or nothing: never an exception. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scriptFilePath } from '../src/vscode/scriptFiles';

test('file URLs and absolute paths name local files', () => {
  assert.equal(scriptFilePath('file:///srv/app/leaky.js'), '/srv/app/leaky.js');
  assert.equal(scriptFilePath('file://localhost/srv/app/a%20b.mjs'), '/srv/app/a b.mjs');
  assert.equal(scriptFilePath('/srv/app/leaky.js'), '/srv/app/leaky.js');
  assert.equal(scriptFilePath('C:\\app\\leaky.js'), 'C:\\app\\leaky.js');
});

test('script names from the heap that are no local file give undefined instead of throwing', () => {
  // A vm script may be named anything; these make fileURLToPath throw on POSIX.
  for (const url of ['file://evil-host/x.js', 'file:///a%2Fb.js', 'file://[::1', 'file:////evil-host/share/x.js']) {
    assert.equal(scriptFilePath(url), undefined, url);
  }
  // Paths on another machine: VS Code would open them as UNC shares.
  for (const url of ['//evil-host/share/x.js', '\\\\evil-host\\share\\x.js']) assert.equal(scriptFilePath(url), undefined, url);
  for (const url of ['node:internal/main', 'evalmachine.<anonymous>', 'https://example.test/x.js', 'relative/x.js', '', undefined]) {
    assert.equal(scriptFilePath(url), undefined, String(url));
  }
});
