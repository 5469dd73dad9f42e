#!/usr/bin/env node
'use strict';
// Builds a realistic-looking application heap and writes it as a V8 heap snapshot whose size is
// close to a requested number of megabytes (MB = 2^20 bytes here and everywhere in the bench).
//
//   node bench/generateHeap.js <targetMB> <out.heapsnapshot>
//
// The heap is a registry of Processor objects (Processor.instanceMap). Each Processor owns a
// ResourceLoader whose Map holds Resource objects with distinct strings, small arrays and plain
// objects, plus closures, bound functions, a Set, a WeakMap entry, back references (cycles) and a
// few numbers that V8 boxes as heap numbers, so every analyzer sees the usual variety of node and
// edge types.
//
// Sizing: write a snapshot of the bare heap and one with a small batch of Processors, extrapolate
// the bytes per Processor, grow the registry to the estimate and write the real snapshot. If the
// result misses the target by more than the tolerance, adjust once and write again.

const fs = require('fs');
const os = require('os');
const path = require('path');
const v8 = require('v8');

const MB = 1024 * 1024;
const TOLERANCE = 0.05;

// ---------------------------------------------------------------------------------------------
// Deterministic pseudo-random content (mulberry32) so runs produce comparable heaps.

let seed = 0x5eed1234;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function randomInt(n) {
  return Math.floor(random() * n);
}
const WORDS = [
  'alpha', 'bravo', 'cache', 'delta', 'event', 'fetch', 'graph', 'hover', 'index', 'json',
  'kernel', 'layout', 'module', 'node', 'object', 'parse', 'query', 'render', 'stream', 'token',
  'update', 'vector', 'widget', 'xhr', 'yield', 'zone',
];
function words(n) {
  const parts = new Array(n);
  for (let i = 0; i < n; i++) parts[i] = WORDS[randomInt(WORDS.length)];
  return parts.join(' ');
}
/** A flat (sequential) string with distinct content, as a parser or network layer would make. */
function distinctString(prefix, id, extraWords) {
  // Array#join produces a flat sequential string; the id keeps it distinct.
  return [prefix, id.toString(36), words(extraWords)].join(':');
}

// ---------------------------------------------------------------------------------------------
// The application model.

const CONTENT_TYPES = ['application/json', 'text/html', 'text/css', 'image/png', 'application/javascript'];

class Resource {
  constructor(loader, id, index) {
    this.url = distinctString('https://cdn.example.com/assets/' + loader.id, index, 2);
    this.body = distinctString('body', id * 31 + index, 6 + randomInt(20));
    this.size = this.body.length;
    this.loadedAt = 1.7e12 + random() * 1e9; // a heap number
    this.headers = {
      'content-type': CONTENT_TYPES[index % CONTENT_TYPES.length],
      etag: 'W/"' + (id * 1000 + index).toString(16) + '"',
      'cache-control': index % 2 ? 'max-age=3600' : 'no-cache',
    };
    this.tags = [WORDS[index % WORDS.length], 'res-' + index, loader.name];
    this.loader = loader; // back reference: Resource -> ResourceLoader -> Map -> Resource
  }
}

class ResourceLoader {
  constructor(owner, id) {
    this.id = id;
    this.name = distinctString('loader', id, 1);
    this.owner = owner;
    this.resources = new Map();
    this.seen = new Set();
    this.pending = [];
    this.stats = { hits: 0, misses: 0, bytes: 0, lastUrl: '' };
    const stats = this.stats;
    // A closure capturing the loader's context.
    this.onLoad = (resource) => {
      stats.hits++;
      stats.bytes += resource.size;
      stats.lastUrl = resource.url;
      return resource;
    };
    this.onError = function onError(error) {
      stats.misses++;
      return error;
    }.bind(this);
  }

  load(count) {
    for (let i = 0; i < count; i++) {
      const resource = new Resource(this, this.id, i);
      this.resources.set(resource.url, resource);
      this.seen.add(resource.tags[1]);
      this.onLoad(resource);
      if (i % 3 === 0) this.pending.push({ url: resource.url, retries: i % 4, priority: random() });
    }
  }
}

const listenerMetadata = new WeakMap();

class Processor {
  static instanceMap = new Map();

  constructor(id) {
    this.id = id;
    this.name = distinctString('processor', id, 2);
    this.createdAt = new Date(1.7e12 + id * 1000);
    this.config = {
      retries: id % 5,
      timeoutMs: 1000 + (id % 7) * 250,
      mode: id % 2 ? 'eager' : 'lazy',
      label: 'cfg-' + id,
    };
    this.history = [id, id + 1, id + 2, id * 0.5];
    this.loader = new ResourceLoader(this, id);
    this.loader.load(4 + (id % 5));
    const self = this;
    this.listeners = [
      function onTick() {
        return self.history.length;
      },
      () => self.loader.resources.size,
    ];
    listenerMetadata.set(this.listeners[0], { registeredBy: this.name, at: id });
    if (id % 10 === 0) this.pattern = new RegExp('^/' + id + '/(\\w+)$');
    if (id % 4 === 0) this.buffer = new Uint8Array(16 + (id % 32));
    Processor.instanceMap.set(this.name, this);
  }
}

let nextId = 0;
function addProcessors(count) {
  for (let i = 0; i < count; i++) new Processor(nextId++);
}

// ---------------------------------------------------------------------------------------------
// Snapshot writing and calibration.

function writeSnapshot(file) {
  if (global.gc) global.gc();
  const started = Date.now();
  v8.writeHeapSnapshot(file);
  const bytes = fs.statSync(file).size;
  return { bytes, ms: Date.now() - started };
}

function measure(tmpDir, label) {
  const file = path.join(tmpDir, `calibrate-${label}.heapsnapshot`);
  const result = writeSnapshot(file);
  fs.unlinkSync(file);
  return result.bytes;
}

function main() {
  const [targetArg, outArg] = process.argv.slice(2);
  const targetMB = Number(targetArg);
  if (!outArg || !(targetMB > 0)) {
    console.error('usage: node bench/generateHeap.js <targetMB> <out.heapsnapshot>');
    process.exit(2);
  }
  const out = path.resolve(outArg);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const target = targetMB * MB;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-lens-gen-'));
  const started = Date.now();

  try {
    const base = measure(tmpDir, 'base');
    // Calibration batch: 5% of the target at 2,500 bytes a Processor (a Processor takes about
    // 7,800 in the snapshot, so about 15%), at least 500 Processors.
    const batch = Math.max(500, Math.round((target * 0.05) / 2500));
    addProcessors(batch);
    const withBatch = measure(tmpDir, 'batch');
    let perProcessor = (withBatch - base) / batch;
    let want = Math.max(1, Math.round((target - base) / perProcessor));
    console.error(
      `calibration: base ${(base / MB).toFixed(1)} MB, ${perProcessor.toFixed(0)} bytes/Processor ` +
        `-> ${want} Processors for ${targetMB} MB`,
    );

    let result;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (want > nextId) addProcessors(want - nextId);
      else if (want < nextId) {
        // Drop the newest Processors (Map keeps insertion order, so walk from the end).
        const names = Array.from(Processor.instanceMap.keys()).slice(want);
        for (const name of names) Processor.instanceMap.delete(name);
        nextId = want;
      }
      result = writeSnapshot(out);
      const miss = (result.bytes - target) / target;
      console.error(
        `wrote ${(result.bytes / MB).toFixed(1)} MB with ${Processor.instanceMap.size} Processors ` +
          `in ${(result.ms / 1000).toFixed(1)} s (${(miss * 100).toFixed(1)}% from target)`,
      );
      if (Math.abs(miss) <= TOLERANCE) break;
      perProcessor = (result.bytes - base) / Processor.instanceMap.size;
      want = Math.max(1, Math.round((target - base) / perProcessor));
    }

    const summary = {
      file: out,
      targetMB,
      bytes: result.bytes,
      mb: Number((result.bytes / MB).toFixed(2)),
      processors: Processor.instanceMap.size,
      seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    };
    console.log(JSON.stringify(summary));
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

if (require.main === module) main();

module.exports = { addProcessors };
