/**
 * Route registrations read from source text for the endpoint lens: express, routers and
 * fastify-style calls count; map lookups, HTTP client calls and commented-out lines do not.
 * The offered request puts the route on the server's port and selects what to edit.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { findRoutes, portsInText, suggestedRequest } from '../src/vscode/routes';

const SOURCE = `const app = express();
app.get('/health', (req, res) => res.send('ok'));
router.post("/sessions", auth, handleSession);
fastify.put(\`/bots/:id\`, async (request) => update(request));
app.delete('/cache', function clear(req, res) { cache.clear(); res.end(); });
routes.all('/any', handler)
const v = cache.get('/health');
axios.get('/remote', { params: { q: 1 } });
axios.post('/remote', handler);
// app.get('/old', oldHandler);
app.listen(process.env.PORT || 8080);
`;

test('route registrations are found with their method, path and place; look-alikes are not', () => {
  const routes = findRoutes(SOURCE);
  assert.deepEqual(
    routes.map((r) => `${r.method} ${r.path} @${r.line}:${r.column}`),
    ['GET /health @1:0', 'POST /sessions @2:0', 'PUT /bots/:id @3:0', 'DELETE /cache @4:0', 'GET /any @5:0'],
  );
});

test('the test fixtures\' express routes are found where the handler is registered', () => {
  const dir = path.join(__dirname, '..', '..', 'test', 'fixtures', 'endpoints');
  const router = fs.readFileSync(path.join(dir, 'express-router-leak.js'), 'utf8');
  const [route] = findRoutes(router);
  assert.equal(route.method, 'GET');
  assert.equal(route.path, '/bots/:id/load');
  assert.match(router.split('\n')[route.line], /^router\.get\('\/bots\/:id\/load'/);
  const post = findRoutes(fs.readFileSync(path.join(dir, 'express-leak.js'), 'utf8'));
  assert.deepEqual(post.map((r) => `${r.method} ${r.path}`), ['POST /sessions']);
  // A plain http server has no route registrations to read.
  assert.deepEqual(findRoutes(fs.readFileSync(path.join(dir, 'http-leak.js'), 'utf8')), []);
});

test('ports the file listens on come from listen(), PORT fallbacks and port options', () => {
  assert.deepEqual(portsInText(SOURCE), [8080]);
  assert.deepEqual(portsInText('server.listen(3000);\nfastify.listen({ port: 4000 });'), [3000, 4000]);
  assert.deepEqual(portsInText('app.listen(Number(process.argv[2]));'), []);
});

test('the offered request selects the path parameter to edit, or else the port', () => {
  const withParam = suggestedRequest({ method: 'GET', path: '/bots/:id/load', line: 0, column: 0 }, 3000);
  assert.equal(withParam.line, 'GET http://127.0.0.1:3000/bots/:id/load');
  assert.equal(withParam.line.slice(...withParam.edit), ':id');
  const plain = suggestedRequest({ method: 'POST', path: '/sessions', line: 0, column: 0 }, 8080);
  assert.equal(plain.line, 'POST http://127.0.0.1:8080/sessions');
  assert.equal(plain.line.slice(...plain.edit), '8080');
});
