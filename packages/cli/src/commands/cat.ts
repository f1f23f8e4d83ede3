import { pipeline } from 'node:stream/promises';
import { getObject } from '../client.js';
import type { Command } from '../command.js';
import { CONNECTION_OPTIONS, STS_OPTION } from '../config.js';
import { withTransport } from '../context.js';
import { parseObjectUrl } from '../oss-url.js';

export const cat: Command = {
  spec: {
    name: 'cat',
    summary: 'write an object to stdout (GetObject, streamed)',
    usage: ['cat oss://BUCKET/KEY'],
    options: [...CONNECTION_OPTIONS, STS_OPTION],
    minPositionals: 1,
    maxPositionals: 1,
    details: 'Example:\n  pail cat oss://logs/app.log | grep ERROR',
  },
  async run(ctx) {
    const { bucket, key } = parseObjectUrl(ctx.args.positionals[0]!);
    await withTransport(ctx, async (t) => {
      const res = await getObject(t, bucket, key);
      await pipeToStdout(res, ctx.stdout);
    });
    return 0;
  },
};

/**
 * Streams into stdout with backpressure. A reader that goes away early (`pail cat … | head`)
 * is not an error: EPIPE ends the copy quietly.
 */
export async function pipeToStdout(src: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): Promise<void> {
  try {
    await pipeline(src, stdout, { end: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw e;
  }
}
