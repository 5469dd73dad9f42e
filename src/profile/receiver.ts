/**
 * The receiver (`--this`) and arguments (`--args`) of the profiled function, evaluated as the
 * function's own code would see them: names of its module (an ES module's `const registry`)
 * and of its closures resolve, not only globals. `new:Class` picks the one live instance of a
 * class. Nothing is added to the debuggee's globals, and nothing is evaluated that could crash
 * it (see refuseUnsafe).
 */
import type { InspectorSession, RemoteObject } from '../inspector/session';
import { ProfileError } from './resolveTarget';

/** `new:Registry` (or `new:app.Registry`): the one live instance of that class. */
const BY_CLASS = /^new:\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*$/;
const IDENTIFIER = /(?<![\w$.])[A-Za-z_$][\w$]*/g;

/**
 * `import()` evaluated through the inspector has no module loader callback in Node: the
 * program dies with ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING. Refused before anything runs.
 */
export function refuseUnsafe(expression: string, flag: string): void {
  if (/(?<![\w$.])import\s*\(/.test(stripStrings(expression))) {
    throw new ProfileError(
      `${flag} uses import(), which Node cannot run from the inspector (it would crash the program); ` +
        'name a binding of the function\'s module instead (e.g. --this registry), or an instance by class (--this new:Registry).',
    );
  }
}

/** `this` for the call: an expression in the function's scope, or `new:Class`. */
export async function receiverFor(session: InspectorSession, fn: RemoteObject, expression: string): Promise<RemoteObject> {
  refuseUnsafe(expression, '--this');
  const byClass = BY_CLASS.exec(expression);
  if (byClass) return onlyInstanceOf(session, fn, byClass[1]);
  return evaluateInScopeOf(session, fn, expression);
}

/** The arguments array for the call, evaluated in the function's scope. */
export async function argumentsFor(session: InspectorSession, fn: RemoteObject, expression: string): Promise<RemoteObject> {
  refuseUnsafe(expression, '--args');
  const args = await evaluateInScopeOf(session, fn, expression);
  if (args.subtype !== 'array') {
    throw new ProfileError(`The arguments expression "${expression}" must give an array, not ${describe(args)}`);
  }
  return args;
}

/**
 * Evaluates `expression` with the bindings the function can see (its closures, module and
 * script scopes, read from its [[Scopes]] internal property) passed in as parameters of the
 * same names; globals resolve as usual. No pause, no call frame needed.
 */
export async function evaluateInScopeOf(session: InspectorSession, fn: RemoteObject, expression: string): Promise<RemoteObject> {
  const wanted = new Set(stripStrings(expression).match(IDENTIFIER) ?? []);
  const bindings = fn.objectId && wanted.size > 0 ? await scopeBindings(session, fn.objectId, wanted) : new Map<string, RemoteObject>();
  if (bindings.size === 0 || !fn.objectId) return session.evaluate(expression);
  const names = [...bindings.keys()];
  return session.callOn(
    fn.objectId,
    `function (${names.join(', ')}) { return (${expression}\n); }`,
    names.map((n) => callArgument(bindings.get(n) as RemoteObject)),
    { label: `evaluating ${expression.slice(0, 80)}`, timeoutMs: session.timeoutMs },
  );
}

/** The bindings named in `wanted` that the function's scopes hold, innermost first (Global excluded). */
async function scopeBindings(session: InspectorSession, fnId: string, wanted: Set<string>): Promise<Map<string, RemoteObject>> {
  const found = new Map<string, RemoteObject>();
  const own = await properties(session, fnId);
  const scopes = own.internalProperties?.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
  if (!scopes) return found;
  const list = await properties(session, scopes);
  for (const scope of list.result) {
    if (!/^\d+$/.test(scope.name) || !scope.value?.objectId || /^Global/.test(scope.value.description ?? '')) continue;
    for (const binding of (await properties(session, scope.value.objectId)).result) {
      if (wanted.has(binding.name) && !found.has(binding.name) && binding.value) found.set(binding.name, binding.value);
    }
  }
  return found;
}

interface PropertiesResult {
  result: Array<{ name: string; value?: RemoteObject }>;
  internalProperties?: Array<{ name: string; value?: RemoteObject }>;
}

function properties(session: InspectorSession, objectId: string): Promise<PropertiesResult> {
  return session.call<PropertiesResult>('Runtime.getProperties', { objectId, ownProperties: true, generatePreview: false });
}

function callArgument(o: RemoteObject): object {
  if (o.objectId) return { objectId: o.objectId };
  if (o.unserializableValue) return { unserializableValue: o.unserializableValue };
  return o.type === 'undefined' ? {} : { value: o.value };
}

/** The single live instance of `className` (found from its prototype with Runtime.queryObjects). */
async function onlyInstanceOf(session: InspectorSession, fn: RemoteObject, className: string): Promise<RemoteObject> {
  let cls: RemoteObject;
  try {
    cls = await evaluateInScopeOf(session, fn, className);
  } catch {
    throw new ProfileError(`--this new:${className}: no class named ${className} is visible from the function's module or globals.`);
  }
  if (cls.type !== 'function' || !cls.objectId) {
    throw new ProfileError(`--this new:${className}: ${className} is ${describe(cls)}, not a class.`);
  }
  const proto = await session.callOn(cls.objectId, 'function () { return this.prototype; }', [], { label: 'reading the prototype', timeoutMs: session.timeoutMs });
  if (!proto.objectId) throw new ProfileError(`--this new:${className}: ${className} has no prototype object.`);
  const { objects } = await session.call<{ objects: RemoteObject }>('Runtime.queryObjects', {
    prototypeObjectId: proto.objectId,
    objectGroup: session.objectGroup,
  });
  const count = await session.callOnValue<number>(objects.objectId as string, 'function () { return this.length; }', []);
  if (count !== 1) {
    throw new ProfileError(
      `--this new:${className} needs exactly one live ${className}, and the program has ${count}; ` +
        'name the one to use with an expression instead (e.g. --this registry).',
    );
  }
  return session.callOn(objects.objectId as string, 'function () { return this[0]; }', [], { label: 'reading the instance', timeoutMs: session.timeoutMs });
}

/** The expression with its string literals blanked, so words inside them are not taken for names. */
function stripStrings(expression: string): string {
  return expression.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""');
}

function describe(o: RemoteObject): string {
  if (o.type === 'undefined') return 'undefined';
  if (o.subtype === 'null') return 'null';
  return `a${/^[aeiou]/.test(o.type) ? 'n' : ''} ${o.subtype ?? o.type}${o.description ? ` (${o.description.slice(0, 60)})` : ''}`;
}
