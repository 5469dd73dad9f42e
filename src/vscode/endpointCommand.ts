/**
 * "Leak Lens: Profile endpoint leaks": asks for a request (recent ones first, kept in the
 * workspace's state), then profiles it through the runner like a function. A request is its
 * line ("POST http://127.0.0.1:3000/sessions") and, for methods that carry one, a body; a JSON
 * body is sent as application/json. Tests and other commands may pass the request and skip the
 * questions. From a route's lens the line comes filled in: the route on the port the debugged
 * server listens on, with the part to edit (a `:param`, else the port) selected.
 */
import * as vscode from 'vscode';
import { parseRequest, type EndpointRequest } from '../profile/httpRequest';
import { labelText } from './inertText';
import { portsInText, suggestedRequest, type RouteRegistration } from './routes';
import type { ProfileRunner } from './runner';
import { allowRemoteInspector } from './settings';

const RECENT_KEY = 'leakLens.recentRequests';
const RECENT_MAX = 10;

/** What the command remembers and accepts: the request line, its headers and body. */
export interface EndpointInput {
  request: string;
  headers?: string[];
  body?: string;
}

/** The request, or the sentence saying what is wrong with it. */
function check(input: EndpointInput): EndpointRequest | string {
  try {
    // From a command argument too: only strings count.
    const headers = Array.isArray(input.headers) ? input.headers.filter((h): h is string => typeof h === 'string') : [];
    const body = typeof input.body === 'string' ? input.body : undefined;
    if (body && isJson(body) && !headers.some((h) => /^content-type\s*:/i.test(h))) headers.push('Content-Type: application/json');
    return parseRequest({ request: input.request, headers, body: body || undefined, allowRemote: allowRemoteInspector() });
  } catch (e) {
    return (e as Error).message;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** "POST http://…/sessions {"user":"ana"}": how a recent request is listed. */
function describe(input: EndpointInput): string {
  const body = input.body ? ` ${input.body.length > 60 ? `${input.body.slice(0, 60)}…` : input.body}` : '';
  return labelText(`${input.request}${body}`);
}

/** Recent requests, newest first; entries saved as plain strings by earlier versions still count. */
function recentRequests(state: vscode.Memento): EndpointInput[] {
  const saved = state.get<unknown[]>(RECENT_KEY, []);
  return (Array.isArray(saved) ? saved : []).flatMap((r): EndpointInput[] => {
    if (typeof r === 'string') return [{ request: r }];
    const o = r as Partial<EndpointInput> | null;
    if (!o || typeof o.request !== 'string') return [];
    return [{ request: o.request, ...(typeof o.body === 'string' ? { body: o.body } : {}), ...(Array.isArray(o.headers) ? { headers: o.headers.filter((h) => typeof h === 'string') } : {}) }];
  });
}

async function askRequest(state: vscode.Memento, suggested?: { line: string; edit: [number, number] }): Promise<EndpointInput | undefined> {
  const recent = recentRequests(state);
  let value = suggested?.line ?? '';
  if (!suggested && recent.length > 0) {
    const NEW = 'New request…';
    const items = [...recent.map((r) => ({ label: describe(r), input: r as EndpointInput | undefined })), { label: NEW, input: undefined }];
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Leak Lens: profile which endpoint?',
      placeHolder: 'A recent request, or a new one',
    });
    if (pick === undefined) return undefined;
    if (pick.input) return pick.input;
    value = recent[0].request;
  }
  const line = await vscode.window.showInputBox({
    title: 'Leak Lens: endpoint to profile',
    prompt: 'METHOD URL; each call of the run sends this request to the server being debugged',
    placeHolder: 'GET http://127.0.0.1:3000/bots/load',
    value,
    ...(suggested ? { valueSelection: suggested.edit } : {}),
    validateInput: (text) => {
      const r = check({ request: text });
      return typeof r === 'string' ? r : undefined;
    },
  });
  if (!line) return undefined;
  if (/^\s*(GET|HEAD|DELETE|OPTIONS)\s/i.test(line) || !/^\s*[A-Za-z]+\s/.test(line)) return { request: line };
  const body = await vscode.window.showInputBox({
    title: 'Leak Lens: request body',
    prompt: 'The body sent with each request (JSON is sent as application/json); leave empty for none',
    placeHolder: '{"user": "ana"}',
  });
  if (body === undefined) return undefined;
  return { request: line, ...(body ? { body } : {}) };
}

export async function profileEndpoint(runner: ProfileRunner, state: vscode.Memento, given?: string | EndpointInput): Promise<unknown> {
  const input = typeof given === 'string' ? { request: given } : given ?? (await askRequest(state));
  return runEndpoint(runner, state, input);
}

/** The route's lens: asks for the request with the route filled in, then runs it. */
export async function profileRoute(runner: ProfileRunner, state: vscode.Memento, ports: readonly number[], document: vscode.TextDocument, route: RouteRegistration): Promise<unknown> {
  const port = ports[0] ?? portsInText(document.getText())[0] ?? recentPort(state) ?? 3000;
  const input = await askRequest(state, suggestedRequest(route, port));
  return runEndpoint(runner, state, input);
}

function recentPort(state: vscode.Memento): number | undefined {
  for (const r of recentRequests(state)) {
    const port = /^\s*[A-Za-z]+\s+http:\/\/[^/:\s]+:(\d+)/.exec(r.request)?.[1];
    if (port) return Number(port);
  }
  return undefined;
}

async function runEndpoint(runner: ProfileRunner, state: vscode.Memento, input: EndpointInput | undefined): Promise<unknown> {
  if (!input || typeof input.request !== 'string' || !input.request.trim()) return undefined;
  const request = check(input);
  if (typeof request === 'string') {
    void vscode.window.showErrorMessage(`Leak Lens: ${request}`);
    return undefined;
  }
  const saved: EndpointInput = {
    request: input.request.trim(),
    ...(Array.isArray(input.headers) && input.headers.length ? { headers: input.headers.filter((h) => typeof h === 'string') } : {}),
    ...(typeof input.body === 'string' && input.body ? { body: input.body } : {}),
  };
  const same = (r: EndpointInput) => r.request === saved.request && (r.body ?? '') === (saved.body ?? '');
  await state.update(RECENT_KEY, [saved, ...recentRequests(state).filter((r) => !same(r))].slice(0, RECENT_MAX));
  return runner.profile({ endpoint: request });
}
