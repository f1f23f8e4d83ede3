/**
 * The universal entry as a browser would get it: bundled with esbuild (browser, ESM, minified)
 * at test time, checked for Node dependencies, measured, then run against every vector inside a
 * `node:vm` context whose only non-ECMAScript globals are `crypto.subtle` and `TextEncoder`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { type AsyncSigner, checkSigned, loadVectors, signVector } from './helpers.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
// 5 KB read strictly as 5,000 bytes.
const MAX_GZIP = 5000;

test('browser bundle: no Node dependencies, < 5,000 B gzipped, every vector in a bare context', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pail-sign-bundle-'));
  try {
    const outfile = join(dir, 'sign.min.js');
    await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      outfile,
      logLevel: 'silent',
    });
    const code = readFileSync(outfile, 'utf8');
    // assert.ok rather than doesNotMatch: a failure should not print the whole bundle.
    assert.ok(!/["'`]node:/.test(code), 'no node: imports');
    assert.ok(!/\brequire\(/.test(code), 'no require(');
    assert.ok(!/\bBuffer\b|\bprocess\.|\bimport\(/.test(code), 'no Buffer, process.* or dynamic import');

    const gz = gzipSync(code).length;
    t.diagnostic(`browser bundle: ${code.length} bytes minified, ${gz} bytes minified+gzip`);
    console.log(`# @pail/sign browser bundle: ${code.length} B minified, ${gz} B gzip (limit ${MAX_GZIP})`);
    assert.ok(gz < MAX_GZIP, `bundle is ${gz} bytes gzipped, limit ${MAX_GZIP}`);

    // Same code, wrapped as a script so a plain vm context can run it.
    const script = (await transform(code, { format: 'iife', globalName: 'PailSign', logLevel: 'silent' })).code;
    const context = vm.createContext({ crypto: { subtle: globalThis.crypto.subtle }, TextEncoder });
    assert.equal(
      vm.runInContext(
        '[typeof require, typeof process, typeof Buffer, typeof btoa, typeof URL, typeof fetch, typeof module].join()',
        context,
      ),
      'undefined,undefined,undefined,undefined,undefined,undefined,undefined',
      'the context has no Node or extra web globals',
    );
    vm.runInContext(script, context, { filename: 'sign.min.js' });
    const api = vm.runInContext('PailSign', context) as AsyncSigner;

    let n = 0;
    for (const v of loadVectors()) {
      if (v.signingKeyHex) continue;
      checkSigned(v, await signVector(api, v), 'bundle');
      n++;
    }
    assert.equal(n, 25);
    t.diagnostic(`${n} vectors signed by the bundle`);

    // Validation errors surface as rejections inside the bundle too.
    await assert.rejects(
      api.presignUrl({ bucket: 'b-1', key: 'k', expires: 0, region: 'cn-hangzhou', credentials: { accessKeyId: 'a', accessKeySecret: 's' } }),
      (e: Error) => e.name === 'RangeError',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
