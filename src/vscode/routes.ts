/**
 * Route registrations in a source file, for the "Profile endpoint leaks" lens:
 * `app.get('/path', handler)`, `router.post("/x", auth, (req, res) => …)`, `fastify.put(…)`.
 * Read from the text, never run. A call counts only when its first argument is a literal path
 * and a handler follows (a function, an arrow or a name), so `cache.get('/x')` and
 * `axios.get('/x', { params })` are not routes. No vscode import: unit tests read it too.
 */

export interface RouteRegistration {
  /** Upper case: GET, POST, … (`all` and `use` become GET). */
  method: string;
  /** The literal path as written: "/bots/:id/load". */
  path: string;
  /** 0-based line and column of the call's receiver. */
  line: number;
  column: number;
}

const ROUTE = /\b([A-Za-z_$][\w$]*)\s*\.\s*(get|post|put|patch|delete|del|head|options|all)\s*\(\s*(['"`])(\/[^'"`\n]*)\3\s*,\s*(async\b|function\b|\(|[A-Za-z_$][\w$.]*\s*(?:=>|[,)]))/g;

/** HTTP clients share the verbs; their calls send requests, they do not serve them. */
const CLIENTS = new Set(['axios', 'http', 'https', 'got', 'ky', 'request', 'superagent', 'supertest', 'client', 'api', 'fetch', 'undici', 'needle']);

export function findRoutes(text: string): RouteRegistration[] {
  const routes: RouteRegistration[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  for (const m of text.matchAll(ROUTE)) {
    if (CLIENTS.has(m[1].toLowerCase())) continue;
    const at = m.index ?? 0;
    let line = 0;
    for (let lo = 0, hi = lineStarts.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >> 1;
      if (lineStarts[mid] <= at) {
        line = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (isCommentedOut(text, lineStarts[line], at)) continue;
    const verb = m[2].toLowerCase();
    const method = verb === 'all' ? 'GET' : verb === 'del' ? 'DELETE' : verb.toUpperCase();
    routes.push({ method, path: m[4], line, column: at - lineStarts[line] });
  }
  return routes;
}

function isCommentedOut(text: string, lineStart: number, at: number): boolean {
  const before = text.slice(lineStart, at).trimStart();
  return before.startsWith('//') || before.startsWith('*');
}

/** Port literals the file listens on: `listen(3000`, `PORT || 8080`, `port: 4000`. */
export function portsInText(text: string): number[] {
  const ports: number[] = [];
  for (const m of text.matchAll(/\blisten\s*\(\s*(\d{2,5})\b|\bPORT\b[^\n]{0,40}?(?:\|\||\?\?)\s*(\d{2,5})\b|\bport\s*:\s*(\d{2,5})\b/g)) {
    const port = Number(m[1] ?? m[2] ?? m[3]);
    if (port > 0 && port < 65536 && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

/**
 * The request line the lens offers: the route on the server's port, and what to edit first
 * (the first `:param` in the path, else the port) as [start, end) in the line.
 */
export function suggestedRequest(route: RouteRegistration, port: number): { line: string; edit: [number, number] } {
  const origin = `http://127.0.0.1:${port}`;
  const line = `${route.method} ${origin}${route.path}`;
  const param = /:[A-Za-z_$][\w$]*|\*/.exec(route.path);
  if (param) {
    const start = route.method.length + 1 + origin.length + param.index;
    return { line, edit: [start, start + param[0].length] };
  }
  const portStart = route.method.length + 1 + origin.length - String(port).length;
  return { line, edit: [portStart, portStart + String(port).length] };
}
