/**
 * The ceiling Pail is compared against: a bare `node:http` server that answers every request
 * with one fixed in-memory buffer (no routing, no auth, no storage). Runs as a child of bench.ts
 * so it never shares an event loop with the load generator. The parent sets the body size over
 * IPC before each cell: `{ size }` → `{ ready: size }`.
 */
import http from 'node:http';

let body = Buffer.alloc(0);
let headers: http.OutgoingHttpHeaders = {};

function setSize(size: number): void {
  body = Buffer.alloc(size, 0x61);
  headers = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
}

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, headers);
  res.end(body);
});
// Same keep-alive policy as a long-lived client expects (autocannon keeps its sockets).
server.keepAliveTimeout = 65_000;

process.on('message', (m: { size?: number }) => {
  if (typeof m.size === 'number') {
    setSize(m.size);
    process.send?.({ ready: m.size });
  }
});
process.on('disconnect', () => server.close(() => process.exit(0)));

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
