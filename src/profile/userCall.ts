/**
 * The user's own line behind a leak. V8's allocation stacks name functions, not statements:
 * the user's innermost frame says which of the user's functions was running, and the frame
 * just inside it which function it called (a dependency's `use`, `set`, `subscribe`, or the
 * leaked class's constructor when the user's code made the object itself). The line is found
 * in that function's source as the first call of that name. It is a reading of the source, so
 * the report says which call it found ("calls use()"), and gives none when no call matches.
 */
import type { AllocationSite, LeakFinding, UserCall } from '../report/types';
import { isUserScript } from '../heap/allocationTrace';
import type { InspectorSession } from '../inspector/session';

/** The function the user's frame called, and the user's frame; undefined without a user frame. */
export function callFromUserFrame(site: AllocationSite, className: string): { callee: string; constructs: boolean; frame: AllocationSite['frames'][number] } | undefined {
  if (site.userFrames === 0) return undefined;
  const frame = site.frames[0];
  if (!frame.line) return undefined;
  if (frame.depth === 0) return { callee: className, constructs: true, frame };
  const inner = site.frames.find((f) => f.depth === frame.depth - 1);
  const name = inner?.functionName.replace(/^(get|set) /, '').split('.').pop() ?? '';
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
  return { callee: name, constructs: /^[A-Z]/.test(name) && name === className, frame };
}

/** The offset of a 1-based line and column in `source`; undefined past its end. */
function offsetOf(source: string, line: number, column: number): number | undefined {
  const lines = source.split('\n');
  if (line < 1 || line > lines.length) return undefined;
  let offset = 0;
  for (let i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  return offset + Math.max(0, column - 1);
}

/**
 * The 1-based line of the first call of `callee` (or `new callee`) in the function that starts
 * at `line`:`column` (1-based, V8's position of the function), or undefined.
 */
export function findCallLine(source: string, line: number, column: number, callee: string, constructs: boolean): { line: number; column: number; name: string } | undefined {
  const offset = offsetOf(source, line, column);
  if (offset === undefined) return undefined;
  const body = functionText(source, offset);
  const name = callee.replace(/[$]/g, '\\$');
  const pattern = constructs ? new RegExp(`\\bnew\\s+(?:[\\w$]+\\.)*${name}\\b`) : new RegExp(`(?:\\.|\\b)${name}\\s*(?:\\?\\.)?\\(`);
  const direct = pattern.exec(body.text);
  const found = direct ? { index: direct.index, name: callee } : constructs ? undefined : aliasCall(body.text, callee);
  if (!found) return undefined;
  const at = body.start + found.index + (body.text[found.index] === '.' ? 1 : 0);
  // 0-based column in the script: a source map reads it back to the user's line (bundles put much on one line).
  return { line: line + countNewlines(source, offset, at), column: at - (source.lastIndexOf('\n', at - 1) + 1), name: found.name };
}

/**
 * The 1-based line of the first object literal in the function at `line`:`column` that has
 * every property the class shape names (`{key, history}`: `{ key, price: 1, history: [] }`),
 * or undefined. Strings and comments are blanked first, as for calls.
 */
export function findLiteralLine(source: string, line: number, column: number, shape: string): { line: number; column: number; name: string } | undefined {
  const names = shape.replace(/^\{|\}$/g, '').split(',').map((n) => n.trim()).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  const offset = offsetOf(source, line, column);
  if (names.length === 0 || offset === undefined) return undefined;
  const body = functionText(source, offset);
  for (let open = body.text.indexOf('{'); open >= 0; open = body.text.indexOf('{', open + 1)) {
    // The literal's own level: nested braces are skipped, not searched.
    let depth = 0;
    let own = '';
    for (let i = open + 1; i < body.text.length && i < open + 2000; i++) {
      const c = body.text[i];
      if (c === '{' || c === '[' || c === '(') depth++;
      else if (c === '}' || c === ']' || c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0) own += c;
    }
    const keys = new Set([...own.matchAll(/(?:^|,)\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)\s*(?=[:,]|$)/g)].map((m) => m[1]));
    if (names.every((n) => keys.has(n))) {
      const at = body.start + open;
      return { line: line + countNewlines(source, offset, at), column: at - (source.lastIndexOf('\n', at - 1) + 1), name: shape };
    }
  }
  return undefined;
}

/**
 * A public method often only forwards to the function V8 records (\`inc\` to
 * \`incWithoutExemplar\`, \`emit\` to \`_emit\`): the first call whose name, at least three
 * characters long, the recorded name starts with once leading underscores are dropped.
 */
function aliasCall(text: string, callee: string): { index: number; name: string } | undefined {
  const bare = callee.replace(/^_+/, '');
  const calls = /(?:\.|\b)([A-Za-z_$][\w$]*)\s*(?:\?\.)?\(/g;
  for (let m = calls.exec(text); m; m = calls.exec(text)) {
    const name = m[1].replace(/^_+/, '');
    if (name.length >= 3 && name !== bare && bare.startsWith(name)) return { index: m.index, name: m[1] };
  }
  return undefined;
}

/**
 * The function's text from `offset` to the brace that closes its body, with comments and the
 * insides of strings blanked (newlines kept), so that only code is searched.
 */
function functionText(source: string, offset: number): { start: number; text: string } {
  const limit = Math.min(source.length, offset + 200_000);
  const out: string[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k <= to && k < limit; k++) out.push(source[k] === '\n' ? '\n' : ' ');
  };
  let depth = 0;
  let opened = false;
  let i = offset;
  while (i < limit) {
    const c = source[i];
    if (c === '/' && (source[i + 1] === '/' || source[i + 1] === '*')) {
      const end = source[i + 1] === '/' ? lineEnd(source, i) : source.indexOf('*/', i + 2) < 0 ? limit : source.indexOf('*/', i + 2) + 1;
      blank(i, end);
      i = end + 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const end = stringEnd(source, i, c);
      out.push(c);
      blank(i + 1, end - 1);
      if (end < limit) out.push(source[end]);
      i = end + 1;
      continue;
    }
    out.push(c);
    if (c === '{') {
      depth++;
      opened = true;
    } else if (c === '}') {
      depth--;
      if (opened && depth === 0) break;
    } else if (!opened && c === '=' && source[i + 1] === '>' && /^\s*[^\s{]/.test(source.slice(i + 2, i + 200))) {
      // An arrow function with an expression body: up to the end of its line.
      const end = lineEnd(source, i);
      out.push(source.slice(i + 1, end + 1));
      break;
    }
    i++;
  }
  return { start: offset, text: out.join('') };
}

/**
 * The call a function written at `line`:`column` (0-based) is an argument of: the name before
 * the nearest unclosed "(" on the way back, within the function's own line and the one before
 * (`emitter.on('x',\n  (n) => …)`). 1-based line of that name; undefined when it is not in a call.
 */
export function callTakingFunction(source: string, line: number, column: number): { line: number; column: number; name: string } | undefined {
  let lineStart = 0;
  for (let i = 0; i < line; i++) {
    lineStart = source.indexOf('\n', lineStart) + 1;
    if (lineStart === 0) return undefined;
  }
  const at = lineStart + column;
  const floor = Math.max(0, source.lastIndexOf('\n', lineStart - 2) + 1);
  let depth = 0;
  for (let i = at - 1; i >= floor; i--) {
    const c = source[i];
    if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '[' || c === '{') {
      if (depth === 0) return undefined;
      depth--;
    } else if (c === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      const name = /([A-Za-z_$][\w$]*)\s*(?:\?\.)?$/.exec(source.slice(floor, i));
      if (!name || /^(function|if|while|for|switch|catch|return)$/.test(name[1])) return undefined;
      const nameAt = floor + name.index;
      return { line: 1 + countNewlines(source, 0, nameAt), column: nameAt - (source.lastIndexOf('\n', nameAt - 1) + 1), name: name[1] };
    }
  }
  return undefined;
}

function lineEnd(source: string, i: number): number {
  const end = source.indexOf('\n', i);
  return end < 0 ? source.length : end - 1;
}

function stringEnd(source: string, i: number, quote: string): number {
  for (let j = i + 1; j < source.length; j++) {
    if (source[j] === '\\') j++;
    else if (source[j] === quote) return j;
    else if (quote !== '`' && source[j] === '\n') return j;
  }
  return source.length;
}

function countNewlines(source: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (source[i] === '\n') n++;
  return n;
}

/**
 * When the culprit holder is in a dependency (or V8 names no user holder), the fix is at the
 * user's call: the hint says what to do there, not how to change the package.
 */
export function dependencyHint(
  f: LeakFinding,
  call: UserCall,
  holderIsUsers: boolean,
  inside = 'a dependency',
  unit: 'call' | 'request' = 'call',
): string | undefined {
  if (holderIsUsers) return undefined;
  const at = `${call.callee}() at ${shortName(call.scriptName)}:${call.line}`;
  const holder = f.culprit ? `${f.culprit.where}, inside ${inside},` : inside === 'Node' ? 'Node' : 'A dependency';
  const api = inside === 'a dependency' || inside === 'Node' ? 'the package\'s own API' : `${inside}'s own API`;
  if (call.constructs) {
    // The user's own object, given to the package (a memoized function's result, a value put in its cache).
    return (
      `${holder} keeps the ${f.className} made at ${shortName(call.scriptName)}:${call.line} on every ${unit}. ` +
      `If it is a cache or a store, give it a bound or a time to live, or clear it when done; if the package registers what it is given, undo that with ${api}; ` +
      `if it should live for one ${unit}, create the holder per ${unit}, not once per process.`
    );
  }
  const undo =
    f.culprit?.kind === 'listeners'
      ? `remove it when done with ${api} (off, removeListener, unsubscribe)`
      : `undo it with ${api} (eject, unsubscribe, off, stop, delete, close)`;
  return (
    `${holder} keeps what ${at} adds on every ${unit}. If that call registers or creates something, make it once (at start-up, not per ${unit}), or ${undo}. ` +
    `If it fills a cache or a store, give it a bound or a time to live (a store made for production, not an in-memory default); if it should live for one ${unit}, create it per ${unit}, not once per process.`
  );
}

/** The npm package a script belongs to: "express-session", "@scope/name"; undefined outside node_modules. */
export function packageOf(scriptName: string): string | undefined {
  const parts = scriptName.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length - 1) return undefined;
  return parts[at + 1].startsWith('@') && at + 2 < parts.length - 1 ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
}

/** A dependency's script: under node_modules. */
export function isPackageScript(scriptName: string): boolean {
  return !isUserScript(scriptName) && /(^|[\\/])node_modules[\\/]/.test(scriptName);
}

function shortName(scriptName: string): string {
  const parts = scriptName.replace(/^file:\/\//, '').split(/[\\/]/);
  return parts.slice(-2).join('/');
}

/**
 * Adds `userCall` to each leak with an allocation stack through the user's code, and aims its
 * fix hint at that call when the holder is a dependency's. Sources come from the debuggee.
 */
export async function attachUserCalls(
  session: InspectorSession,
  leaks: LeakFinding[],
  scripts: Record<string, string>,
  unit: 'call' | 'request' = 'call',
): Promise<void> {
  const sources = new Map<number, Promise<string | undefined>>();
  const sourceOf = (id: number): Promise<string | undefined> => {
    if (!sources.has(id)) sources.set(id, session.scriptSource(id));
    return sources.get(id) as Promise<string | undefined>;
  };
  for (const f of leaks) {
    await attachUserCall(f, sourceOf, scripts, unit);
    // Objects the runtime or a package made (a request, a socket) have no user frame: then the
    // user's line is where their code adds to the collection that holds them. Otherwise that
    // line, when it is another, is where they are stored.
    if (!f.primary) continue;
    const write = await collectionWrite(f, sourceOf, scripts);
    if (!write) continue;
    if (!f.userCall) f.userCall = write;
    // Kept when it is another place; a bundle's one line is told apart by column, and
    // dropStoresOnCallLines compares the lines the user wrote once source maps are read.
    else if (write.scriptId !== f.userCall.scriptId || write.line !== f.userCall.line || write.column !== f.userCall.column) f.storedAt = write;
  }
}

async function attachUserCall(
  f: LeakFinding,
  sourceOf: (id: number) => Promise<string | undefined>,
  scripts: Record<string, string>,
  unit: 'call' | 'request',
): Promise<void> {
  if (!f.allocation) return;
  const call = callFromUserFrame(f.allocation, f.className);
  if (!call) return;
  const id = call.frame.scriptId;
  const source = await sourceOf(id);
  if (source === undefined) return;
  // A function made on every call is "constructed" where it is written: the user's line is
  // the call it is handed to (`bus.on('news', (n) => …)`), when it is written in a call.
  const passed = call.constructs && /\(\)$/.test(f.className) && f.location?.scriptId === id ? callTakingFunction(source, f.location.line, f.location.column) : undefined;
  if (passed) {
    f.userCall = { scriptId: id, scriptName: call.frame.scriptName, line: passed.line, column: passed.column, callee: passed.name, constructs: false };
    return;
  }
  // An object literal ({key, history}) made in the user's function: the line that writes it.
  const found = call.constructs && f.className.startsWith('{')
    ? findLiteralLine(source, call.frame.line, call.frame.column, f.className)
    : findCallLine(source, call.frame.line, call.frame.column, call.callee, call.constructs);
  if (found === undefined) return;
  f.userCall = { scriptId: id, scriptName: call.frame.scriptName, line: found.line, column: found.column, callee: found.name, constructs: call.constructs };
  // A package's holder (timers and listeners keep their own hints: the fix is clear/off).
  const holderScript = f.culprit?.holderLocation ? scripts[String(f.culprit.holderLocation.scriptId)] : undefined;
  const kind = f.culprit?.kind;
  // Node's own holder the same way, except module.children, whose hint says what to do.
  const moduleChildren = f.culprit?.holder === 'Module' && f.culprit.edgeName === 'children';
  const inNode = holderScript?.startsWith('node:') === true && !moduleChildren;
  if ((kind === 'collection' || kind === 'property') && holderScript !== undefined && (isPackageScript(holderScript) || inNode)) {
    const hint = dependencyHint(f, f.userCall, false, inNode ? 'Node' : (packageOf(holderScript) ?? 'a dependency'), unit);
    if (hint) f.fixHint = hint;
  }
}

/** Methods that add to a collection. */
const ADDS = 'set|add|push|unshift|splice|append';

/**
 * For a leak held in a collection of the user's (a module variable, a class's static): the one
 * line of the user's scripts that adds to it (`inflight.set(id, req)`). Read from the source;
 * none when no line or several scripts match.
 */
async function collectionWrite(f: LeakFinding, sourceOf: (id: number) => Promise<string | undefined>, scripts: Record<string, string>): Promise<UserCall | undefined> {
  const c = f.culprit;
  if (c?.kind !== 'collection' || !/^[A-Za-z_$][\w$]*$/.test(c.edgeName)) return undefined;
  // "inflight in src/app.js (module variable)" names the file; a property holder names none.
  const file = /^\S+ in (.+?) \((?:module|closure) variable/.exec(c.where)?.[1];
  const base = file?.split(/[\\/]/).pop();
  const candidates = Object.entries(scripts)
    .filter(([, name]) => isUserScript(name) && (!base || name.split(/[\\/]/).pop()?.replace(/\.[cm]?js$/, '') === base.replace(/\.[cm]?[jt]sx?$/, '')))
    .slice(0, 20);
  const name = c.edgeName.replace(/[$]/g, '\\$');
  const variable = c.where.includes(' variable') && !c.where.startsWith('closure variable');
  const pattern = new RegExp(`${variable ? '(?:^|[^\\w$.])' : '\\.'}${name}\\s*(?:\\?\\.|\\.)\\s*(${ADDS})\\s*\\(`, 'm');
  const found: NonNullable<LeakFinding['userCall']>[] = [];
  for (const [id, scriptName] of candidates) {
    const source = await sourceOf(Number(id));
    if (source === undefined) continue;
    const m = pattern.exec(source);
    if (!m) continue;
    const at = m.index + m[0].indexOf(c.edgeName);
    const lineStart = source.lastIndexOf('\n', at - 1) + 1;
    if (/^\s*(\/\/|\*)/.test(source.slice(lineStart, at))) continue;
    found.push({ scriptId: Number(id), scriptName, line: 1 + countNewlines(source, 0, at), column: at - lineStart, callee: `${c.edgeName}.${m[1]}`, constructs: false });
  }
  // A loader can run one file as two scripts (tsx's CommonJS and ESM hooks): one place still.
  const places = new Set(found.map((w) => `${w.scriptName.replace(/^file:\/\//, '')}:${w.line}`));
  return places.size === 1 ? found[0] : undefined;
}

/** A storing line that is the user's line itself (`map.set(k, new X())`) says nothing more. */
export function dropStoresOnCallLines(leaks: LeakFinding[]): void {
  for (const f of leaks) {
    const stored = f.storedAt;
    const call = f.userCall;
    if (!stored || !call) continue;
    const place = (c: UserCall) => (c.original ? `${c.original.file}:${c.original.line}` : `${c.scriptId}:${c.line}`);
    if (place(stored) === place(call)) delete f.storedAt;
  }
}
