/** The snapshot page's link to its editor: acquireVsCodeApi() for messages both ways. */
import type {} from '../messages'; // declares acquireVsCodeApi
import { isSnapshotHostMessage, type SnapshotHostMessage, type SnapshotPageMessage } from '../../../src/report/snapshotProtocol';

export interface SnapshotHost {
  post(message: SnapshotPageMessage): void;
  onMessage(listener: (message: SnapshotHostMessage) => void): void;
}

export function connectSnapshotHost(): SnapshotHost {
  const api = typeof globalThis.acquireVsCodeApi === 'function' ? globalThis.acquireVsCodeApi() : null;
  return {
    post: (message) => api?.postMessage(message),
    onMessage(listener) {
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        if (isSnapshotHostMessage(event.data)) listener(event.data);
      });
    },
  };
}
