/**
 * The command line `profile` starts a program with: node's own flags (`--node-arg`), a runner
 * (`--exec tsx`, `--exec ts-node`, or any runner that is a Node script), our keep-alive preload
 * and our inspector. The inspector is always on the node process that runs the user's code.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError } from './args';

/** Node flags we cannot pass on: the inspector is ours, and these replace or re-spawn the script. */
const NOT_PASSED = /^(--inspect|--debug|--eval$|-e$|--print$|-p$|--check$|-c$|--interactive$|-i$|--test$|--watch)/;

/** Checks each `--node-arg`: one clear sentence for a flag we must own. */
export function checkNodeArgs(nodeArgs: readonly string[]): void {
  for (const arg of nodeArgs) {
    const flag = arg.split('=')[0];
    if (/^--(inspect|debug)/.test(flag)) {
      throw new CliError(`--node-arg ${arg}: Leak Lens starts the program's inspector itself; leave this flag out.`);
    }
    if (NOT_PASSED.test(flag)) {
      throw new CliError(`--node-arg ${arg}: this flag would not run the script as given; leave it out and run the script itself.`);
    }
  }
}

/**
 * The arguments after `node`: our inspector and keep-alive first, then the user's node flags,
 * the runner's loader or script, the program and its arguments.
 */
export function nodeArguments(
  script: string,
  scriptArgs: readonly string[],
  options: { nodeArgs?: readonly string[]; exec?: string; keepAlive: string },
): string[] {
  const nodeArgs = options.nodeArgs ?? [];
  checkNodeArgs(nodeArgs);
  const ours = ['--inspect=127.0.0.1:0', `--require=${options.keepAlive}`];
  const runner = options.exec ? runnerArguments(options.exec, script) : [];
  return [...ours, ...nodeArgs, ...runner, script, ...scriptArgs];
}

/**
 * tsx and ts-node run in the program's own process through their loader forms (tsx's own
 * command spawns a second node, which our inspector would not be on); any other runner is a
 * Node script run with the program as its argument.
 */
function runnerArguments(exec: string, script: string): string[] {
  const dir = path.dirname(script);
  if (exec === 'tsx') return [`--import=${pathToFileURL(resolvePackage('tsx', 'tsx', dir)).href}`];
  if (exec === 'ts-node') {
    return isEsModule(script)
      ? [`--loader=${pathToFileURL(resolvePackage('ts-node/esm', 'ts-node', dir)).href}`]
      : [`--require=${resolvePackage('ts-node/register', 'ts-node', dir)}`];
  }
  return [runnerScript(exec, dir)];
}

/** `specifier` resolved from the program's folder upward, then from Leak Lens' own. */
function resolvePackage(specifier: string, pkg: string, from: string): string {
  for (const base of [from, __dirname]) {
    try {
      return createRequire(path.join(base, 'noop.js')).resolve(specifier);
    } catch {
      // Not installed there: try the next place.
    }
  }
  throw new CliError(`--exec ${pkg}: ${pkg} is not installed in ${from} or a folder above it; install it (npm install --save-dev ${pkg}) or leave --exec out.`);
}

/** A runner given by path, or by name in node_modules/.bin from the program's folder upward: a Node script. */
function runnerScript(exec: string, from: string): string {
  let found: string | undefined;
  if (exec.includes('/') || exec.includes(path.sep)) {
    if (isFile(path.resolve(exec))) found = path.resolve(exec);
  } else {
    for (const start of [from, __dirname]) {
      for (let dir = start; !found; dir = path.dirname(dir)) {
        const bin = path.join(dir, 'node_modules', '.bin', exec);
        if (isFile(bin)) found = bin;
        if (path.dirname(dir) === dir) break;
      }
      if (found) break;
    }
  }
  if (!found) {
    throw new CliError(`--exec ${exec}: no such runner in node_modules/.bin of ${from} or a folder above it; install it, or give the path of its script.`);
  }
  const real = realpathSync(found);
  if (!/\.[cm]?js$/.test(real) && !/^#!.*\bnode\b/.test(readFileSync(real, 'utf8').slice(0, 200))) {
    throw new CliError(`--exec ${exec}: ${real} is not a Node script; give a runner written in JavaScript, or pass its loader with --node-arg.`);
  }
  return real;
}

/** An ES module main: .mjs/.mts, or .js/.ts under a package.json with "type": "module". */
function isEsModule(script: string): boolean {
  if (/\.m[jt]s$/.test(script)) return true;
  if (/\.c[jt]s$/.test(script)) return false;
  for (let dir = path.dirname(script); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
