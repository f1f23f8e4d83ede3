/**
 * Pail under benchmark, in its own process (so the load generator in bench.ts does not share
 * its event loop): starts the server on an ephemeral port with a throw-away data directory and
 * reports `{ url, port, accessKeyId, accessKeySecret }` over IPC. Exits when the parent goes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/index.js';

const dataDir = await mkdtemp(join(tmpdir(), 'pail-bench-'));
const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'error' });

async function shutdown(): Promise<void> {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

process.send?.({
  url: server.url,
  port: server.port,
  accessKeyId: server.rootCredentials.accessKeyId,
  accessKeySecret: server.rootCredentials.accessKeySecret,
});
