/**
 * The preview's HTTP server, bound to 127.0.0.1 only. It serves the live page at `/`, the page's events
 * (server-sent events: the state, sent on connect and after every render), and files of the build
 * output folder; nothing else. Requests whose Host is not this loopback address and port are refused,
 * so a web page elsewhere cannot read the preview through a rebound DNS name.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { EVENTS_PATH, type PreviewState } from './client.ts';
import { servablePath } from './served-path.ts';

export const HOST = '127.0.0.1';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
};

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** The build output folder: the only folder files are served from. */
  buildDir: string;
  /** The page to serve at `/` (the preview script already in it). */
  page(): string;
  state(): PreviewState;
}

export interface PreviewServer {
  url: string;
  port: number;
  /** Sends the current state to every open page. */
  publish(): void;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<PreviewServer> {
  const clients = new Set<ServerResponse>();
  const event = (): string => `event: state\ndata: ${JSON.stringify(options.state())}\n\n`;
  let port = 0;
  const server = createServer((req, res) => handle(req, res));
  const send = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  function handle(req: IncomingMessage, res: ServerResponse): void {
    const allowed = [`${HOST}:${port}`, `localhost:${port}`];
    if (!allowed.includes(req.headers.host ?? '')) return send(res, 403, 'forbidden: the preview answers only to its own address\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    const target = req.url ?? '/';
    const pathname = target.split(/[?#]/, 1)[0]!;
    if (pathname === '/' || pathname === '/report.html') return send(res, 200, options.page(), TYPES['.html']);
    if (pathname === EVENTS_PATH) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 300\n\n' + event());
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    const file = servablePath(options.buildDir, target);
    if (!file) return send(res, 404, 'not found\n');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // Keeps idle event streams open through proxies and tells a closed page apart.
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();
  return {
    url: `http://${HOST}:${port}/`,
    port,
    publish: () => {
      const data = event();
      for (const res of clients) res.write(data);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const res of clients) res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
