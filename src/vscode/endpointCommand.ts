/**
 * "Leak Lens: Profile endpoint leaks": asks for a request (recent ones first, kept in the
 * workspace's state), then profiles it through the runner like a function. Tests and other
 * commands may pass the request text and skip the questions.
 */
import * as vscode from 'vscode';
import { parseRequest, type EndpointRequest } from '../profile/httpRequest';
import { labelText } from './inertText';
import type { ProfileRunner } from './runner';
import { allowRemoteInspector } from './settings';

const RECENT_KEY = 'leakLens.recentRequests';
const RECENT_MAX = 10;

/** The request, or the sentence saying what is wrong with it. */
function check(text: string): EndpointRequest | string {
  try {
    return parseRequest({ request: text, allowRemote: allowRemoteInspector() });
  } catch (e) {
    return (e as Error).message;
  }
}

async function askRequest(state: vscode.Memento): Promise<string | undefined> {
  const recent = state.get<string[]>(RECENT_KEY, []);
  let value = '';
  if (recent.length > 0) {
    const NEW = 'New request…';
    const pick = await vscode.window.showQuickPick([...recent.map((r) => labelText(r)), NEW], {
      title: 'Leak Lens: profile which endpoint?',
      placeHolder: 'A recent request, or a new one',
    });
    if (pick === undefined) return undefined;
    if (pick !== NEW) return recent[recent.indexOf(pick)] ?? pick;
    value = recent[0];
  }
  return vscode.window.showInputBox({
    title: 'Leak Lens: endpoint to profile',
    prompt: 'METHOD URL; each call of the run sends this request to the server being debugged',
    placeHolder: 'GET http://127.0.0.1:3000/bots/load',
    value,
    validateInput: (text) => {
      const r = check(text);
      return typeof r === 'string' ? r : undefined;
    },
  });
}

export async function profileEndpoint(runner: ProfileRunner, state: vscode.Memento, given?: string): Promise<unknown> {
  const text = given ?? (await askRequest(state));
  if (!text) return undefined;
  const request = check(text);
  if (typeof request === 'string') {
    void vscode.window.showErrorMessage(`Leak Lens: ${request}`);
    return undefined;
  }
  const recent = state.get<string[]>(RECENT_KEY, []);
  await state.update(RECENT_KEY, [text.trim(), ...recent.filter((r) => r !== text.trim())].slice(0, RECENT_MAX));
  return runner.profile({ endpoint: request });
}
