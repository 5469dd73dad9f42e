/**
 * Connecting to a Node.js inspector: a ws:// URL, the host:port of `node --inspect`, or a
 * js-debug CDP proxy ({host, port, path} from the `requestCDPProxy` custom request). No
 * `vscode` here.
 *
 * Loopback only unless allowed: whoever holds an inspector connection runs arbitrary code in
 * the debuggee. The check runs on the address the user gave *and* on the WebSocket URL that
 * /json/list returns (which could point elsewhere), before any traffic to a refused host.
 * chrome-remote-interface then gets exactly the checked URL, and only a ws:/wss: one: any other
 * string it reads as a target id and looks up on localhost:9222/json/list by itself, which
 * would connect to whatever that lists, unchecked.
 */
import * as dns from 'node:dns';
import * as http from 'node:http';
import { isIP } from 'node:net';
import { format as formatUrl, parse as parseUrl } from 'node:url';
import type CDP from 'chrome-remote-interface';
import { type CdpTransport, InspectorError, InspectorSession } from './session';

/** A js-debug CDP proxy address, as `requestCDPProxy` returns it. */
export interface JsDebugProxyAddress {
  host: string;
  port: number;
  path: string;
}

/**
 * - `"ws://127.0.0.1:9229/<uuid>"`: a WebSocket debugger URL, used as is;
 * - `"127.0.0.1:9229"`, `"localhost:9229"`, `"[::1]:9229"`, `"http://host:port"` or `"9229"`:
 *   a `node --inspect` endpoint; the node target is picked from `/json/list`;
 * - `{host, port, path}`: a js-debug CDP proxy (`ws://host:port/path`).
 */
export type InspectorTarget = string | JsDebugProxyAddress;

export interface ConnectOptions {
  /** Allow hosts other than 127.0.0.0/8, ::1 and localhost. Default false. */
  allowRemote?: boolean;
  /** Timeout of every CDP call made by the session, ms. Default 30 000. */
  timeoutMs?: number;
  /** Timeout of /json/list and of the WebSocket handshake, ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Treat a ws:// string target as a js-debug proxy (subscribe to events first). */
  jsDebugProxy?: boolean;
}

/**
 * Events we ask a js-debug proxy to forward (it forwards only subscribed ones). Beyond the
 * heap profiler's, Debugger pause state helps `checkResponsive`; js-debug replays its last
 * `Debugger.paused` on `Debugger.enable`. Not `Debugger.scriptParsed`: every script the
 * program loads would be forwarded, and scripts are found in the snapshot there.
 */
export const JS_DEBUG_EVENTS: readonly string[] = ['HeapProfiler.*', 'Debugger.paused', 'Debugger.resumed'];

type ParsedTarget =
  | { kind: 'ws'; url: string; host: string; jsDebug: boolean }
  | { kind: 'http'; host: string; port: number };

/** Connects and returns a session; see InspectorTarget for the forms `target` takes. */
export async function connectInspector(target: InspectorTarget, options: ConnectOptions = {}): Promise<InspectorSession> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const parsed = parseInspectorTarget(target, options.jsDebugProxy ?? false);
  assertAllowedHost(parsed.host, options.allowRemote ?? false);

  let url: string;
  let jsDebug = false;
  if (parsed.kind === 'http') {
    // A checked, normalized ws:/wss: URL (webSocketUrlFromList refuses anything else).
    url = await webSocketUrlFromList(parsed.host, parsed.port, connectTimeoutMs);
    assertAllowedHost(new URL(url).hostname, options.allowRemote ?? false, `${url} (from /json/list)`);
  } else {
    url = parsed.url;
    jsDebug = parsed.jsDebug;
  }
  assertConnectsAsChecked(url);

  const client = await openClient(url, connectTimeoutMs);
  const transport = new CriTransport(client, url);
  if (jsDebug) {
    // Before anything else: the proxy forwards only the events we subscribe to.
    try {
      await transport.send('JsDebug.subscribe', { events: JS_DEBUG_EVENTS }, timeoutMs);
    } catch (e) {
      await transport.close();
      throw e;
    }
  }
  return new InspectorSession({ transport, viaJsDebug: jsDebug, timeoutMs });
}

/** Parses a target without any I/O; throws BAD_TARGET. */
export function parseInspectorTarget(target: InspectorTarget, jsDebugProxy = false): ParsedTarget {
  if (typeof target === 'object' && target !== null) {
    const { host, port } = target;
    let path = target.path ?? '';
    if (typeof host !== 'string' || !host || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new InspectorError(`not a CDP proxy address: ${JSON.stringify(target)}`, 'BAD_TARGET');
    }
    if (!path.startsWith('/')) path = `/${path}`;
    const h = isIP(host) === 6 ? `[${host}]` : host;
    let u: URL;
    try {
      u = new URL(`ws://${h}:${port}${path}`);
    } catch {
      throw new InspectorError(`not a CDP proxy address: ${JSON.stringify(target)}`, 'BAD_TARGET');
    }
    return { kind: 'ws', url: u.href, host: u.hostname, jsDebug: true };
  }
  if (typeof target !== 'string' || target.trim() === '') {
    throw new InspectorError('no inspector target given', 'BAD_TARGET');
  }
  const t = target.trim();
  if (/^wss?:\/\//i.test(t)) {
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      throw new InspectorError(`not a WebSocket URL: ${t}`, 'BAD_TARGET');
    }
    return { kind: 'ws', url: u.href, host: u.hostname, jsDebug: jsDebugProxy };
  }
  if (/^\d+$/.test(t)) return { kind: 'http', host: '127.0.0.1', port: checkPort(Number(t), t) };
  let u: URL;
  try {
    u = new URL(/^https?:\/\//i.test(t) ? t : `http://${t}`);
  } catch {
    throw new InspectorError(`not an inspector address (expected host:port or a ws:// URL): ${t}`, 'BAD_TARGET');
  }
  if (!u.port) throw new InspectorError(`no port in inspector address ${t} (expected host:port)`, 'BAD_TARGET');
  return { kind: 'http', host: u.hostname, port: checkPort(Number(u.port), t) };
}

function checkPort(port: number, text: string): number {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new InspectorError(`bad port in inspector address ${text}`, 'BAD_TARGET');
  }
  return port;
}

/**
 * True for 127.0.0.0/8, ::1 (and IPv4-mapped ::ffff:127.x.y.z) and "localhost". Accepts the
 * bracketed IPv6 form URL.hostname gives.
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.split('.')[0] === '127';
  if (isIP(h) === 6) {
    // Let the URL parser canonicalize (0:0:0:0:0:0:0:1 → ::1, ::ffff:127.0.0.1 → ::ffff:7f00:1).
    const canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    if (canonical === '::1') return true;
    const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(canonical);
    return mapped !== null && parseInt(mapped[1], 16) >> 8 === 127;
  }
  return false;
}

function assertAllowedHost(host: string, allowRemote: boolean, what = host): void {
  if (allowRemote || isLoopbackHost(host)) return;
  throw new InspectorError(
    `refusing to connect to ${what}: only loopback inspectors (127.0.0.0/8, ::1, localhost) are allowed. ` +
      'An inspector connection can run any code in the debuggee; allow remote hosts explicitly if you trust the network.',
    'REMOTE_NOT_ALLOWED',
  );
}

/**
 * Node inspectors listening on the `count` ports after `port` on the same host: where Node puts
 * a cluster's workers (the primary's port plus one, plus two, …). Their WebSocket URLs, by port;
 * a port that answers nothing, or not as an inspector, is left out.
 */
export async function inspectorsAfter(host: string, port: number, count = 8, timeoutMs = 500): Promise<string[]> {
  const ports = Array.from({ length: count }, (_, i) => port + 1 + i).filter((p) => p < 65536);
  const found = await Promise.all(ports.map((p) => webSocketUrlFromList(host, p, timeoutMs).catch(() => undefined)));
  return found.filter((url): url is string => url !== undefined);
}

interface ListEntry {
  type?: string;
  webSocketDebuggerUrl?: string;
}

/** GET http://host:port/json/list and pick the node target (the first inspectable otherwise). */
function webSocketUrlFromList(host: string, port: number, timeoutMs: number): Promise<string> {
  const where = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    // agent: false: a fresh socket. The global agent keeps sockets alive (Node 20), and a pooled
    // one to an inspector that has since gone away fails the next request with "socket hang up".
    const req = http.get({ host: host.replace(/^\[|\]$/g, ''), port, path: '/json/list', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (body.length > 4_000_000) req.destroy(new Error('answer too large'));
      });
      res.on('end', () => {
        let list: unknown;
        try {
          list = JSON.parse(body);
        } catch {
          const said = body.trim().slice(0, 120);
          reject(new InspectorError(
            `http://${where}/json/list did not answer JSON (status ${res.statusCode}${said ? `: ${said}` : ''}); is this a Node.js inspector port?`,
            'CONNECT_FAILED',
          ));
          return;
        }
        const entries = (Array.isArray(list) ? list : []) as ListEntry[];
        const usable = entries.filter((e) => typeof e?.webSocketDebuggerUrl === 'string');
        const pick = usable.find((e) => e.type === 'node') ?? usable[0];
        if (!pick?.webSocketDebuggerUrl) {
          reject(new InspectorError(`no inspectable target at http://${where}/json/list`, 'CONNECT_FAILED'));
          return;
        }
        try {
          resolve(listedWebSocketUrl(pick.webSocketDebuggerUrl, `http://${where}/json/list`));
        } catch (e) {
          reject(e);
        }
      });
      res.on('error', (e) => reject(connectFailed(`reading http://${where}/json/list`, e)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (e) => reject(connectFailed(`fetching http://${where}/json/list`, e)));
  });
}

/**
 * The target's `webSocketDebuggerUrl` from /json/list, normalized (WHATWG URL), or an error
 * when it is not a ws:/wss: URL. Anything else must never reach chrome-remote-interface: it
 * takes a non-ws string for a target id and resolves it through localhost:9222/json/list.
 */
function listedWebSocketUrl(raw: string, listUrl: string): string {
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    u = undefined;
  }
  if (u?.protocol === 'ws:' || u?.protocol === 'wss:') return u.href;
  const shown = JSON.stringify(raw.length > 120 ? `${raw.slice(0, 117)}…` : raw);
  throw new InspectorError(
    `${listUrl} gives ${shown} as the debugger URL, which is ${u ? 'not a ws:// or wss:// URL' : 'not a valid URL'}: ` +
      'connect with the ws:// URL that node --inspect printed instead, or check what listens on that port.',
    'CONNECT_FAILED',
  );
}

/**
 * chrome-remote-interface connects to `url.format(url.parse(target))` (the legacy parser) and
 * ws to the WHATWG reading of that: both must give back the URL whose host we checked.
 */
function assertConnectsAsChecked(url: string): void {
  if (/^wss?:\/\//i.test(url) && formatUrl(parseUrl(url)) === url) return;
  throw new InspectorError(`refusing to connect to ${url}: it does not read the same to every URL parser; give a plain ws://host:port/path URL.`, 'BAD_TARGET');
}

function connectFailed(what: string, e: unknown): InspectorError {
  const msg = e instanceof Error ? e.message : String(e);
  return new InspectorError(`could not reach the inspector (${what}: ${msg})`, 'CONNECT_FAILED', { cause: e });
}

let criModule: typeof CDP | undefined;

/**
 * chrome-remote-interface calls dns.setDefaultResultOrder('ipv4first') when loaded, which
 * would change name resolution for the whole host process (the VS Code extension host).
 * Load it lazily and put the previous order back; Node 20 tries both address families when
 * connecting, so "localhost" still reaches an inspector bound to 127.0.0.1.
 */
function loadCri(): typeof CDP {
  if (!criModule) {
    const before = typeof dns.getDefaultResultOrder === 'function' ? dns.getDefaultResultOrder() : undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    criModule = require('chrome-remote-interface') as typeof CDP;
    if (before && typeof dns.setDefaultResultOrder === 'function') dns.setDefaultResultOrder(before);
  }
  return criModule;
}

/** The descriptor we give chrome-remote-interface: none, so it fetches none (js-debug serves none). */
const NO_PROTOCOL = { domains: [] as unknown[] };

async function openClient(url: string, timeoutMs: number): Promise<CDP.Client> {
  const cdp = loadCri();
  // A full ws URL as `target`: used as is, no /json lookups. host and port only matter if it
  // ever did one: then on the checked host, never on localhost:9222.
  const u = new URL(url);
  const pending = cdp({
    target: url,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (u.protocol === 'wss:' ? 443 : 80),
    protocol: NO_PROTOCOL,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InspectorError(`no WebSocket connection to ${url} within ${timeoutMs} ms`, 'CONNECT_FAILED')), timeoutMs);
  });
  try {
    const client = await Promise.race([pending, timeout]);
    if (client.webSocketUrl !== url) {
      // Closed below, like a late handshake. Not expected: the URL was checked to round-trip.
      throw new InspectorError(`refusing the connection: it went to ${client.webSocketUrl}, not to the checked ${url}.`, 'BAD_TARGET');
    }
    return client;
  } catch (e) {
    // A handshake that completes after we gave up must not leave a session open.
    pending.then((c) => c.close(), () => undefined);
    if (e instanceof InspectorError) throw e;
    throw connectFailed(`opening ${url}`, e);
  } finally {
    clearTimeout(timer);
  }
}

interface ProtocolErrorLike {
  message: string;
  response?: { code?: number; message?: string; data?: string };
}

/** CdpTransport over a chrome-remote-interface client. */
class CriTransport implements CdpTransport {
  private closedError: InspectorError | undefined;
  private readonly pending = new Set<(e: InspectorError) => void>();
  private readonly closeListeners = new Set<(e: InspectorError) => void>();

  constructor(
    private readonly client: CDP.Client,
    readonly url: string,
  ) {
    client.on('disconnect', () => this.markClosed('the debuggee exited or its inspector went away'));
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  send<T>(method: string, params: object | undefined, timeoutMs: number, onLate?: (result: T) => void): Promise<T> {
    if (this.closedError) return Promise.reject(closedDuring(method, this.closedError));
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const settle = () => {
        if (timer) clearTimeout(timer);
        this.pending.delete(onClose);
      };
      const onClose = (e: InspectorError) => {
        settle();
        reject(closedDuring(method, e));
      };
      this.pending.add(onClose);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          settle();
          timedOut = true;
          reject(new InspectorError(`${method} did not answer within ${timeoutMs} ms`, 'TIMEOUT'));
        }, timeoutMs);
      }
      this.client.send(method, params ?? {}).then(
        (result) => {
          if (!this.pending.has(onClose)) {
            // Timed out already: the caller may have to release what the late answer holds.
            if (timedOut && onLate && !this.closedError) {
              try {
                onLate(result as T);
              } catch {
                // Best effort.
              }
            }
            return;
          }
          settle();
          resolve(result as T);
        },
        (e: ProtocolErrorLike) => {
          if (!this.pending.has(onClose)) return;
          settle();
          reject(this.translate(method, e));
        },
      );
    });
  }

  on<P>(event: string, listener: (params: P) => void): () => void {
    const l = listener as (params: unknown) => void;
    this.client.on(event, l);
    return () => this.client.removeListener(event, l);
  }

  onClose(listener: (error: InspectorError) => void): () => void {
    if (this.closedError) {
      const e = this.closedError;
      queueMicrotask(() => listener(e));
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  setReadingPaused(paused: boolean): void {
    // chrome-remote-interface keeps its ws WebSocket private and ws 7 has no pause(); pausing
    // the TCP socket is the only back-pressure there is. Best effort: skipped if the shape
    // differs, and ws may resume the socket itself when its own buffer drains.
    const socket = (this.client as unknown as { _ws?: { _socket?: { pause?(): void; resume?(): void } } })._ws?._socket;
    if (paused) socket?.pause?.();
    else socket?.resume?.();
  }

  async close(): Promise<void> {
    if (this.closedError) return;
    this.markClosed('closed by Leak Lens');
    await this.closeSocket();
  }

  private async closeSocket(): Promise<void> {
    this.setReadingPaused(false);
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    await Promise.race([
      this.client.close().catch(() => undefined).then(() => (done = true)),
      new Promise<void>((r) => (timer = setTimeout(r, 2000))),
    ]);
    clearTimeout(timer);
    // No close handshake in time: drop the socket, or ws would keep it (and our process) for 30 s.
    if (!done) (this.client as unknown as { _ws?: { terminate?(): void } })._ws?.terminate?.();
  }

  private translate(method: string, e: ProtocolErrorLike): InspectorError {
    if (this.closedError) return closedDuring(method, this.closedError);
    const message = e?.response?.message ?? e?.message ?? String(e);
    if (/Execution context was destroyed/i.test(message)) {
      // process.exit() (or the end of the program) during an awaited call. Node now waits
      // for debuggers to disconnect before exiting: disconnect so it can go.
      this.markClosed("the debuggee's JavaScript context was destroyed (the process is exiting)");
      void this.closeSocket();
      return closedDuring(method, this.closedError ?? new InspectorError(message, 'CLOSED'));
    }
    if (e?.response === undefined && /WebSocket|socket hang up|ECONNRESET|EPIPE/i.test(message)) {
      this.markClosed(message);
      return closedDuring(method, this.closedError ?? new InspectorError(message, 'CLOSED'));
    }
    const data = e?.response?.data ? ` (${e.response.data})` : '';
    const text = e?.response?.message !== undefined ? `${e.response.message}${data}` : message;
    return new InspectorError(`${method} failed: ${text}`, 'PROTOCOL', { cause: e });
  }

  private markClosed(reason: string): void {
    if (this.closedError) return;
    const error = new InspectorError(reason, 'CLOSED');
    this.closedError = error;
    for (const reject of [...this.pending]) reject(error);
    this.pending.clear();
    for (const l of [...this.closeListeners]) {
      try {
        l(error);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
    this.closeListeners.clear();
  }
}

function closedDuring(method: string, cause: InspectorError): InspectorError {
  return new InspectorError(`connection to the inspector closed during ${method}: ${cause.message}`, 'CLOSED', { cause });
}
