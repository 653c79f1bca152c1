import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

/**
 * A network between the code under test and one backend: every request waits `latencyMs` (one
 * round trip, L) and the first request on each new client connection waits `handshakeMs` more
 * (TCP + TLS 1.3 set-up, 2 L). Counts requests and new connections. Plain HTTP on both sides: the
 * handshake is charged, not performed.
 */
export class DelayProxy {
  requests = 0;
  connections = 0;
  /** With `tracing` on: each request's method, path, arrival and end (ms on the machine's clock, comparable across processes). */
  readonly trace: { method: string; path: string; start: number; end: number }[] = [];
  tracing = false;
  private server: Server | undefined;
  private readonly fresh = new WeakSet<Socket>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly target: string,
    private readonly latencyMs: number,
    private readonly handshakeMs: number,
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.forward(req, res));
    server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.fresh.add(socket);
    });
    // Like the backends it stands for, it keeps idle connections open a while (Node's default is 5 s).
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    if (this.tracing) {
      const entry = { method: req.method ?? '', path: req.url ?? '', start: now(), end: Number.POSITIVE_INFINITY };
      this.trace.push(entry);
      res.on('finish', () => (entry.end = now()));
    }
    const socket = req.socket;
    const handshake = this.fresh.has(socket) ? this.handshakeMs : 0;
    this.fresh.delete(socket);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await sleep(this.latencyMs + handshake);
    const url = new URL(req.url ?? '/', this.target);
    const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host }, agent: this.agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
    upstream.end(Buffer.concat(chunks));
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
