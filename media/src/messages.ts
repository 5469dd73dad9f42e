/**
 * The page's link to its host. In a VS Code webview: acquireVsCodeApi() for postMessage and
 * getState/setState. In the standalone HTML file there is no host: messages go nowhere (reveal
 * is a no-op) and state is kept for the page's lifetime only.
 */
import type { HostMessage, PageMessage, PanelState } from '../../src/report/panelProtocol';
import { isHostMessage, isPanelState } from '../../src/report/panelProtocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  // Defined by VS Code in webviews only.
  // eslint-disable-next-line no-var
  var acquireVsCodeApi: (() => VsCodeApi) | undefined;
}

export interface Host {
  /** True inside VS Code; false in the standalone file. */
  readonly connected: boolean;
  post(message: PageMessage): void;
  getState(): PanelState | null;
  setState(state: PanelState): void;
  onMessage(listener: (message: HostMessage) => void): void;
}

export function connectHost(): Host {
  const api = typeof globalThis.acquireVsCodeApi === 'function' ? globalThis.acquireVsCodeApi() : null;
  let memory: PanelState | null = null;
  return {
    connected: api !== null,
    post(message) {
      api?.postMessage(message);
    },
    getState() {
      const state = api ? api.getState() : memory;
      return isPanelState(state) ? state : null;
    },
    setState(state) {
      if (api) api.setState(state);
      else memory = state;
    },
    onMessage(listener) {
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        if (isHostMessage(event.data)) listener(event.data);
      });
    },
  };
}
