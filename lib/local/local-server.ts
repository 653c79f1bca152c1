import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest, HttpResponse } from '../ports/http.js';
import { json } from '../ports/http.js';
import { describeError } from '../errors.js';
import { newReference } from '../ids.js';

export type Routes = Readonly<Record<string, (request: HttpRequest) => Promise<HttpResponse>>>;

/** Reads at most `limit` bytes (+1, so the handler can see it was too large) and drains the rest. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    if (size <= limit) chunks.push(buffer);
    size += buffer.length;
  }
  return Buffer.concat(chunks).subarray(0, limit + 1);
}

/**
 * The local stand-in for API Gateway: `POST /webhooks/jira` and friends go to the same handlers
 * as in Lambda, `GET /healthz` answers 200.
 */
export async function startLocalServer(
  routes: Routes,
  port: number,
  maxBodyBytes: number,
  /** Where the detail of an unexpected failure goes (the HTTP answer carries only its reference). */
  logError: (message: string, fields: Record<string, unknown>) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      let response: HttpResponse;
      try {
        if (path === '/healthz') response = json(200, { status: 'ok' });
        else {
          const route = routes[path];
          if (route === undefined) response = json(404, { error: `no route ${path}` });
          else {
            const headers: Record<string, string | undefined> = {};
            for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            response = await route({ method: req.method ?? 'GET', headers, body: await readBody(req, maxBodyBytes) });
          }
        }
      } catch (error) {
        const reference = newReference();
        logError('local server: request failed', { reference, path, error: describeError(error) });
        response = json(500, { error: 'internal error', reference });
      }
      res.writeHead(response.statusCode, response.headers);
      res.end(response.body);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${address.port}`, server };
}
