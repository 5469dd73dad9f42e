/**
 * The small part of chrome-remote-interface 0.34 that Leak Lens uses (the package ships no
 * types). We always pass `protocol`, so no domain shorthands are generated and every call goes
 * through `send`; events are plain EventEmitter events named after the CDP method.
 */
declare module 'chrome-remote-interface' {
  import type { EventEmitter } from 'node:events';

  namespace CDP {
    interface Options {
      /** A ws:// URL (used as is, no HTTP request), a target id, or a picker over /json/list. */
      target?: string;
      host?: string;
      port?: number;
      /** A protocol descriptor; given, CDP skips fetching /json/protocol from the endpoint. */
      protocol?: { domains: unknown[] };
      local?: boolean;
    }

    interface Client extends EventEmitter {
      readonly webSocketUrl: string | undefined;
      send(method: string, params?: object): Promise<unknown>;
      close(): Promise<void>;
      /** Emitted when the WebSocket closes without close() having been called. */
      on(event: 'disconnect', listener: () => void): this;
      on(event: string, listener: (params: unknown, sessionId?: string) => void): this;
    }
  }

  function CDP(options: CDP.Options): Promise<CDP.Client>;
  export = CDP;
}
