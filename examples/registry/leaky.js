// The story Leak Lens was built for: one server hosts many bots, and every time `loadApp`
// loads an app a Processor is created and registered in a static map that is never
// cleared. Memory climbs by one Processor (and its ResourceLoader) per call.
'use strict';

class ResourceLoader {
  constructor(appName) {
    this.appName = appName;
    this.resources = new Map();
    for (let i = 0; i < 40; i++) {
      this.resources.set(`${appName}/asset-${i}`, { path: `/apps/${appName}/asset-${i}.json`, bytes: 'x'.repeat(48) + i });
    }
  }
}

class Processor {
  // Every Processor ever made stays reachable from here: the leak.
  static instanceMap = new Map();

  constructor(appName) {
    this.appName = appName;
    this.loader = new ResourceLoader(appName);
    Processor.instanceMap.set(appName, this);
  }

  handle(message) {
    return `${this.appName} handled ${message} with ${this.loader.resources.size} resources`;
  }
}

let served = 0;

function loadApp(appName = `bot-${served}`) {
  served++;
  const processor = new Processor(appName);
  return processor.handle('hello');
}

module.exports = { loadApp, Processor, ResourceLoader };

if (require.main === module) {
  // Run as a long-lived server that waits for work; with --serve it also loads an app every
  // 100 ms, as a busy server would. Profile loadApp by attaching to it (node --inspect).
  const serve = process.argv.includes('--serve');
  // Idle, the timer only keeps the process alive (and wakes up about once every 12 days).
  const timer = serve ? setInterval(() => loadApp(), 100) : setInterval(() => {}, 2 ** 30);
  process.on('SIGINT', () => clearInterval(timer));
  console.log(`pid ${process.pid}: ready${serve ? ', loading apps' : ''}`);
}
