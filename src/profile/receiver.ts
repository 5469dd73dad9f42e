/**
 * The receiver (`--this`) and arguments (`--args`) of the profiled function, evaluated as the
 * function's own code would see them: names of its module (an ES module's `const registry`)
 * and of its closures resolve, not only globals. `new:Class` picks the one live instance of a
 * class. Nothing is added to the debuggee's globals, and nothing is evaluated that could crash
 * it (see refuseUnsafe).
 */
import type { InspectorSession, RemoteObject } from '../inspector/session';
import { LiveFunctionIndex } from './liveFunctions';
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
  if (!fn.objectId) return session.evaluate(expression);
  const names = [...bindings.keys()];
  // A promise gets its handler in the same turn (a rejection nobody handles ends the program);
  // callOn then awaits it, so `this` is the settled value and a rejection is an error here.
  return session.callOn(
    fn.objectId,
    `function (${names.join(', ')}) { const value = (${expression}\n); ` +
      'try { Promise.prototype.then.call(value, undefined, function () {}); } catch (notAPromise) {} return value; }',
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

/**
 * The single live instance of `className`, found from its prototype with Runtime.queryObjects.
 * The class is looked up in the function's scope, else among live functions of that name (a
 * module's class that no closure mentions is in no scope a function can show).
 */
async function onlyInstanceOf(session: InspectorSession, fn: RemoteObject, className: string): Promise<RemoteObject> {
  let classes: RemoteObject[] = [];
  try {
    const cls = await evaluateInScopeOf(session, fn, className);
    if (cls.type === 'function' && cls.objectId) classes = [cls];
  } catch {
    // Not a visible binding: looked for by name below.
  }
  if (classes.length === 0 && /^[A-Za-z_$][\w$]*$/.test(className)) {
    classes = (await new LiveFunctionIndex(session).named(className)).map((f) => f.object);
  }
  if (classes.length === 0) {
    throw new ProfileError(`--this new:${className}: no live class named ${className} in the program; check the name, or give an expression (e.g. --this registry).`);
  }
  const instances: RemoteObject[] = [];
  for (const cls of classes) {
    const proto = await session.callOn(cls.objectId as string, 'function () { return this.prototype; }', [], { label: 'reading the prototype', timeoutMs: session.timeoutMs });
    if (!proto.objectId) continue;
    const { objects } = await session.call<{ objects: RemoteObject }>('Runtime.queryObjects', {
      prototypeObjectId: proto.objectId,
      objectGroup: session.objectGroup,
    }, 60_000);
    const count = await session.callOnValue<number>(objects.objectId as string, 'function () { return this.length; }', []);
    for (let i = 0; i < count && instances.length < 2; i++) {
      instances.push(await session.callOn(objects.objectId as string, 'function (i) { return this[i]; }', [{ value: i }], { label: 'reading the instance', timeoutMs: session.timeoutMs }));
    }
    if (count > 1 || instances.length > 1) {
      throw new ProfileError(
        `--this new:${className} needs exactly one live ${className}, and the program has ${count}${classes.length > 1 ? ' (or more: several classes have that name)' : ''}; ` +
          'name the one to use with an expression instead (e.g. --this registry).',
      );
    }
  }
  if (instances.length === 0) {
    throw new ProfileError(`--this new:${className}: the program has no live ${className}; create one first, or give an expression (e.g. --this registry).`);
  }
  return instances[0];
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
