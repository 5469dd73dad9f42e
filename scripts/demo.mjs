// `npm run demo`: the story, end to end. Profiles loadApp in the bundled leaky example (it
// must report Processor at 1 per call, held through Processor.instanceMap, with the WeakRef
// fix), then in its fixed twin (it must report no leak).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');

function profile(example, expectedCode) {
  const script = join('examples', 'registry', example);
  console.log(`\n$ leak-lens profile ${script} --function loadApp\n`);
  const run = spawnSync(process.execPath, [cli, 'profile', script, '--function', 'loadApp'], { cwd: root, stdio: 'inherit' });
  if (run.status !== expectedCode) {
    console.error(`\ndemo: expected exit code ${expectedCode} for ${example}, got ${run.status}`);
    process.exit(1);
  }
}

profile('leaky.js', 1); // 1 = a leak was found
profile('fixed.js', 0); // 0 = clean
