import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  /** The path and query string as the client sent them (undecoded). */
  readonly uri: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The body's exact bytes (uploads: multipart forms, attachments). */
  readonly raw: Buffer;
}

export interface FakeResponse {
  readonly status: number;
  readonly body?: unknown;
  /** Exact bytes to answer instead of `body` as JSON (a download); its content type in `headers`. */
  readonly raw?: Uint8Array;
  readonly headers?: Record<string, string>;
  /**
   * A long-lived answer instead of `body`: the headers are sent at once, then the handler writes
   * chunks until it ends the response (or the client goes away).
   */
  readonly stream?: (out: ResponseStream) => void;
}

/** The open body of a streamed answer. */
export interface ResponseStream {
  write(text: string): void;
  end(): void;
  /** Called once when the response is over, whether ended here or closed by the client. */
  onClose(listener: () => void): void;
}

export interface InjectedFault {
  readonly method?: string;
  /** Matches when the request path contains this text. */
  readonly pathIncludes?: string;
  /** Matches when the request path is exactly this. */
  readonly path?: string;
  readonly response: FakeResponse;
  /** How many requests it affects; default 1. */
  times?: number;
}

/**
 * A tiny HTTP server for fake backends: records every request, can be told to fail the next
 * matching ones, and can add a fixed latency to every answer (for benchmarks).
 */
export abstract class FakeHttpServer {
  readonly requests: FakeRequest[] = [];
  private readonly faults: InjectedFault[] = [];
  private server: Server | undefined;
  latencyMs = 0;
  /** New connections accepted (TLS handshakes completed, on HTTPS): what connection reuse saves. */
  connections = 0;

  protected abstract route(request: FakeRequest): FakeResponse;

  /** Makes the next matching request(s) answer `response` instead of the normal route. */
  failNext(fault: InjectedFault): void {
    this.faults.push({ times: 1, ...fault });
  }

  private baseUrl = '';

  /** Drops every fault not yet used up (the backend has recovered). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Base URL once started. */
  url(): string {
    return this.baseUrl;
  }

  /** Starts on a free port; with `tls` (key and certificate, optionally a CA to demand client certificates) over HTTPS. */
  async start(tls?: TlsServerOptions): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server: Server = tls === undefined ? createServer(handler) : createTlsServer(tls, handler);
    server.on(tls === undefined ? 'connection' : 'secureConnection', () => {
      this.connections += 1;
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      uri: req.url ?? '/',
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      raw: Buffer.concat(chunks),
    };
    this.requests.push(request);
    let response: FakeResponse;
    const fault = this.faults.find(
      (f) => (f.method === undefined || f.method === request.method) && (f.pathIncludes === undefined || request.path.includes(f.pathIncludes)) && (f.path === undefined || request.path === f.path),
    );
    if (fault !== undefined) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      response = fault.response;
    } else {
      try {
        response = this.route(request);
      } catch (error) {
        response = { status: 500, body: { message: error instanceof Error ? error.message : String(error) } };
      }
    }
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (response.stream !== undefined) {
      res.writeHead(response.status, { 'content-type': 'text/plain;charset=UTF-8', ...response.headers });
      res.flushHeaders();
      response.stream({
        write: (text) => void (res.writableEnded || res.destroyed || res.write(text)),
        end: () => void (res.writableEnded || res.end()),
        onClose: (listener) => void res.once('close', listener),
      });
      return;
    }
    if (response.raw !== undefined) {
      res.writeHead(response.status, { 'content-type': 'application/octet-stream', ...response.headers });
      res.end(Buffer.from(response.raw));
      return;
    }
    const body = response.body === undefined ? '' : JSON.stringify(response.body);
    res.writeHead(response.status, { 'content-type': 'application/json;charset=UTF-8', ...response.headers });
    res.end(body);
  }
}
