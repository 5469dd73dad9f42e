// The fixed twin of leaky.js: the registry holds Processors weakly (WeakRef values) and a
// FinalizationRegistry removes entries whose Processor was collected.
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
  static instanceMap = new Map();
  static #cleanup = new FinalizationRegistry((appName) => {
    const ref = Processor.instanceMap.get(appName);
    if (ref && ref.deref() === undefined) Processor.instanceMap.delete(appName);
  });

  constructor(appName) {
    this.appName = appName;
    this.loader = new ResourceLoader(appName);
    Processor.instanceMap.set(appName, new WeakRef(this));
    Processor.#cleanup.register(this, appName);
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
  const timer = setInterval(() => loadApp(), 100);
  process.on('SIGINT', () => clearInterval(timer));
  console.log(`pid ${process.pid}: loading apps; attach with --inspect`);
}
