import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Checkpoint } from '../src/checkpoint.js';
import { CheckpointWriter, checkpointDir, checkpointPath, loadCheckpoint } from '../src/checkpoint.js';

describe('checkpoints', () => {
  it('one stable file per source and destination', () => {
    const a = checkpointPath('/d', '/src/f', 'http://h:1', 'b', 'k');
    assert.equal(a, checkpointPath('/d', '/src/f', 'http://h:1', 'b', 'k'));
    assert.notEqual(a, checkpointPath('/d', '/src/f', 'http://h:1', 'b', 'k2'));
    assert.notEqual(a, checkpointPath('/d', '/src/g', 'http://h:1', 'b', 'k'));
    assert.match(a, /^\/d\/[0-9a-f]{32}\.json$/);
    assert.equal(checkpointDir('/flag', { PAIL_CHECKPOINT_DIR: '/env' }), '/flag');
    assert.equal(checkpointDir(undefined, { PAIL_CHECKPOINT_DIR: '/env' }), '/env');
    assert.match(checkpointDir(undefined, {}), /\.pail\/checkpoints$/);
  });

  it('saves atomically in order, loads back, ignores garbage, removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pail-cp-test-'));
    try {
      const path = join(dir, 'nested', 'x.json');
      const w = new CheckpointWriter(path);
      const base: Checkpoint = {
        version: 1,
        source: '/f',
        size: 10,
        mtimeMs: 1,
        endpoint: 'http://h',
        bucket: 'b',
        key: 'k',
        uploadId: 'u',
        partSize: 5,
        parts: [],
        createdAt: 'now',
      };
      // Fire several saves without awaiting: the last one must win, no temp files left.
      void w.save(base);
      void w.save({ ...base, parts: [{ partNumber: 1, etag: '"A"', size: 5 }] });
      await w.save({ ...base, parts: [{ partNumber: 1, etag: '"A"', size: 5 }, { partNumber: 2, etag: '"B"', size: 5 }] });
      assert.deepEqual((await loadCheckpoint(path))?.parts.map((p) => p.partNumber), [1, 2]);
      assert.deepEqual(await readdir(join(dir, 'nested')), ['x.json']);
      await w.remove();
      assert.equal(await loadCheckpoint(path), undefined);
      await writeFile(path, '{not json');
      assert.equal(await loadCheckpoint(path), undefined);
      await writeFile(path, JSON.stringify({ version: 2 }));
      assert.equal(await loadCheckpoint(path), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
