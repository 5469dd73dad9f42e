/**
 * The requests of an endpoint run, sent from our side with Node's `http`: no code goes into the
 * server for them. A request is "METHOD URL" (GET when the method is left out) with headers and
 * a body. Only loopback hosts unless remote ones are allowed, as for the inspector: a profile run
 * sends the same request dozens of times, and a mistyped host must not be someone else's server.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { isLoopbackHost } from '../inspector/connect';
import { ProfileError } from './resolveTarget';

export interface EndpointRequest {
  method: string;
  /** An http: URL. */
  url: string;
  headers: [name: string, value: string][];
  body?: Buffer;
}

export interface RequestInput {
  /** "GET http://127.0.0.1:3000/path", or just the URL. */
  request: string;
  /** "Name: value" each. */
  headers?: readonly string[];
  body?: string | Buffer;
  allowRemote?: boolean;
}

/** How much of a failing response's body goes into the error. */
const BODY_SHOWN = 200;
/** A response body is read up to this much; the rest is drained and dropped. */
const BODY_KEPT = 4096;

/** Checks and normalizes a request; a bad one throws a ProfileError saying what to write. */
export function parseRequest(input: RequestInput): EndpointRequest {
  const text = input.request.trim();
  const m = /^(?:([A-Za-z]+)\s+)?(\S+)$/.exec(text);
  if (!m) throw new ProfileError(`"${text}" is not a request: write it as METHOD URL, e.g. 'GET http://127.0.0.1:3000/bots/load'.`);
  const method = (m[1] ?? 'GET').toUpperCase();
  let url: URL;
  try {
    url = new URL(m[2]);
  } catch {
    throw new ProfileError(`"${m[2]}" is not a URL: write the whole address, e.g. 'GET http://127.0.0.1:3000/bots/load'.`);
  }
  if (url.protocol !== 'http:') {
    throw new ProfileError(`${url.protocol.replace(/:$/, '')} URLs are not supported for --request: give an http:// URL of the server (loopback).`);
  }
  if (!input.allowRemote && !isLoopbackHost(url.hostname)) {
    throw new ProfileError(
      `refusing to send requests to ${url.host}: only loopback servers (127.0.0.0/8, ::1, localhost) are allowed. ` +
        'A profile run sends the request dozens of times; allow remote hosts explicitly if that server is yours.',
    );
  }
  const headers = (input.headers ?? []).map((h): [string, string] => {
    const colon = h.indexOf(':');
    const name = colon > 0 ? h.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new ProfileError(`"${h}" is not a header: write it as 'Name: value', e.g. 'Content-Type: application/json'.`);
    }
    const value = h.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) throw new ProfileError(`the value of header ${name} has a line break or NUL; give it on one line.`);
    return [name, value];
  });
  const body = input.body === undefined ? undefined : Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8');
  return { method, url: url.href, headers, ...(body ? { body } : {}) };
}

/** "GET /bots/load": how the report and messages name the endpoint. */
export function requestName(r: Pick<EndpointRequest, 'method' | 'url'>): string {
  const u = new URL(r.url);
  return `${r.method} ${u.pathname}${u.search}`;
}

/**
 * Sends the request once and reads the whole response. A connection error, a timeout or a 5xx
 * answer throws a ProfileError with the status and the start of the body (the server's text:
 * the caller prints it as inert text).
 */
export function sendRequest(r: EndpointRequest, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number }> {
  const name = requestName(r);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of r.headers) {
      const prev = headers[k];
      headers[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    if (r.body && !r.headers.some(([k]) => k.toLowerCase() === 'content-length')) headers['Content-Length'] = String(r.body.length);
    // A connection of its own for each request: nothing of ours stays open in the server between
    // them (a kept-alive socket would be one more object of the run's phases).
    const req = http.request(r.url, { method: r.method, headers, agent: false, signal }, (res) => {
      const parts: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < BODY_KEPT) parts.push(chunk.subarray(0, BODY_KEPT - kept));
        kept += chunk.length;
      });
      res.on('error', (e) => reject(failed(name, e)));
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        if (status >= 500) {
          const body = Buffer.concat(parts).toString('utf8');
          const shown = body.length > BODY_SHOWN ? `${body.slice(0, BODY_SHOWN)}…` : body;
          reject(
            new ProfileError(
              `${name} answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}` +
                `${shown.trim() ? `: ${shown.trim()}` : ' with an empty body'}. ` +
                'A request that fails cannot be profiled: fix the error, or profile a request that succeeds.',
            ),
          );
        } else resolve({ status });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new ProfileError(`${name} got no complete answer within ${timeoutMs} ms; raise --timeout if it is slow, or check the server is not stuck.`));
    }, timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(signal?.aborted ? e : failed(name, e));
    });
    req.end(r.body);
  });
}

function failed(name: string, e: Error): ProfileError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return new ProfileError(`${name} failed: the connection was refused (nothing listens there, or the server stopped).`);
  if (code === 'ECONNRESET') return new ProfileError(`${name} failed: the server closed the connection before answering (did it crash?).`);
  return new ProfileError(`${name} failed: ${e.message}`);
}

/**
 * Waits until the URL's host and port accept a TCP connection (a launched server may still be
 * starting), up to `timeoutMs`; then fails saying so. Nothing is sent on the probe connections.
 */
export async function waitForListening(r: EndpointRequest, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const u = new URL(r.url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 80);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new ProfileError('the profile run was cancelled');
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (v: boolean) => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() >= deadline) {
      throw new ProfileError(
        `nothing accepted connections at ${u.host} within ${Math.round(timeoutMs / 1000)} s: ` +
          'check that the program listens on that port (and has started), and that the URL names it.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
