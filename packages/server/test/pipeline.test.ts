/**
 * The core pipeline's own work per request: how often it reads the key store, bucket and object
 * rows (real storage, wrapped only to count), that handlers leave authorization to the
 * authorizers, and that close() lets requests in flight finish before storage closes.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Authorizer } from '../src/auth/authorize.js';
import { DEFAULT_AUTHORIZERS } from '../src/auth/authorize.js';
import type { StaticAccessKeyStore } from '../src/auth/keys.js';
import { createCore } from '../src/core.js';
import type { ObjectReader } from '../src/storage/types.js';
import { collect, DOMAINS, createHarness, type Harness, REGION, type Reply } from './helpers.js';

const BODY = Buffer.from('pipeline test body, 0123456789');

async function ok(r: Promise<Reply> | Reply, status = 200): Promise<Reply> {
  const res = await r;
  assert.equal(res.status, status, `${res.status} ${res.body.toString()}`);
  return res;
}

/** Counts calls of `obj[name]` (the real method still runs) until the returned function is called. */
function count<T extends object, K extends keyof T>(obj: T, name: K): { readonly n: number; restore(): void } {
  const original = obj[name] as unknown as (...args: unknown[]) => unknown;
  const counter = { n: 0, restore: () => Object.assign(obj, { [name]: original }) };
  Object.assign(obj, {
    [name]: (...args: unknown[]) => {
      counter.n++;
      return original.apply(obj, args);
    },
  });
  return counter;
}

let h: Harness;

before(async () => {
  h = await createHarness();
  await ok(h.send('PUT', { bucket: 'pub', headers: { 'x-oss-acl': 'public-read' } }));
  await ok(h.send('PUT', { bucket: 'pub', key: 'obj.txt', body: BODY }));
  await ok(h.send('PUT', { bucket: 'pub', key: 'secret.txt', body: BODY, headers: { 'x-oss-object-acl': 'private' } }));
  await ok(h.send('PUT', { bucket: 'priv' }));
  await ok(h.send('PUT', { bucket: 'priv', key: 'obj.txt', body: BODY }));
});
after(() => h.close());

describe('one read per row on the GET path', () => {
  it('an anonymous GET of a public-read object reads the object row once (authorization hands it to the handler)', async () => {
    const rows = count(h.storage.metadata, 'getObject');
    try {
      assert.deepEqual((await ok(h.raw({ target: '/pub/obj.txt' }))).body, BODY);
      assert.equal(rows.n, 1);
      await ok(h.raw({ method: 'HEAD', target: '/pub/obj.txt' }));
      assert.equal(rows.n, 2, 'HEAD: one more read');
    } finally {
      rows.restore();
    }
  });

  it('the reader opened for authorization is released when the request is denied or fails', async () => {
    let open = 0;
    const original = h.storage.openObject;
    Object.assign(h.storage, {
      openObject: async (bucket: string, key: string): Promise<ObjectReader | undefined> => {
        const reader = await original.call(h.storage, bucket, key);
        if (reader === undefined) return undefined;
        open++;
        let released = false;
        const release = () => {
          if (!released) open--;
          released = true;
          reader.release();
        };
        return { record: reader.record, stream: (range) => reader.stream(range), body: (range) => reader.body(range), release };
      },
    });
    try {
      assert.equal((await h.raw({ target: '/pub/secret.txt' })).status, 403);
      assert.equal(open, 0, 'denied: lease released');
      assert.equal((await h.raw({ target: '/pub/obj.txt', headers: { 'if-match': '"0123456789ABCDEF0123456789ABCDEF"' } })).status, 412);
      assert.equal(open, 0, 'precondition failed: lease released');
      await ok(h.raw({ target: '/pub/obj.txt' }));
      assert.equal(open, 0, 'served: lease released once the body was written');
    } finally {
      Object.assign(h.storage, { openObject: original });
    }
  });

  it('a presigned GET looks its access key up once', async () => {
    const lookups = count(h.core.keys as StaticAccessKeyStore, 'lookup');
    try {
      await ok(h.raw({ target: h.presign('GET', { bucket: 'priv', key: 'obj.txt' }).target }));
      assert.equal(lookups.n, 1);
    } finally {
      lookups.restore();
    }
  });

  it('an error response reads the bucket (for its CORS rules) at most once, found or not', async () => {
    const buckets = count(h.storage.metadata, 'getBucket');
    try {
      assert.equal((await h.send('GET', { bucket: 'nosuchbucket', key: 'k' })).status, 404);
      assert.equal(buckets.n, 1, 'missing bucket');
      assert.equal((await h.raw({ target: '/priv/obj.txt' })).status, 403);
      assert.equal(buckets.n, 2, 'anonymous, denied');
      assert.equal((await h.send('GET', { bucket: 'priv', key: 'missing' })).status, 404);
      assert.equal(buckets.n, 3, 'NoSuchKey');
    } finally {
      buckets.restore();
    }
  });
});

describe('handlers leave authorization to the authorizers', () => {
  it('an authorizer that allows anonymous ListBuckets is obeyed', async () => {
    const anyoneLists: Authorizer = {
      name: 'anyone-lists',
      canDeny: false,
      decide: (_principal, pair) => (pair.action === 'oss:ListBuckets' ? 'allow' : 'abstain'),
    };
    const core = createCore({ region: REGION, domains: DOMAINS, keys: h.core.keys, clock: h.clock, storage: h.storage, authorizers: [anyoneLists, ...DEFAULT_AUTHORIZERS] });
    const res = await core.handle({ method: 'GET', rawTarget: '/', headers: { host: 'localhost:9000' }, body: Readable.from([]) });
    const body = await collect(res);
    assert.equal(res.status, 200, body.toString());
    assert.ok(body.toString().includes('<Name>pub</Name>'), body.toString());
    // The default authorizers still refuse it (core.ts, not the handler, says no).
    assert.equal((await h.raw({ target: '/' })).status, 403);
  });
});

describe('close()', () => {
  it('waits for requests in flight before closing storage', async () => {
    const own = await createHarness();
    try {
      await ok(own.send('PUT', { bucket: 'bkt' }));
      const body = new PassThrough();
      const { target, headers } = own.sign('PUT', { bucket: 'bkt', key: 'slow.bin' });
      const pending = own.raw({ method: 'PUT', target, headers: { ...headers, 'content-length': '8' }, body });
      body.write(Buffer.from('half'));
      await new Promise((r) => setImmediate(r));
      let closed = false;
      const closing = own.core.close().then(() => {
        closed = true;
      });
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      assert.equal(closed, false, 'storage closed under a request in flight');
      assert.equal((await own.raw({ target: '/-/ready' })).status, 503, 'no longer ready');
      body.end(Buffer.from('done'));
      const r = await pending;
      assert.equal(r.status, 200, r.body.toString());
      await closing;
      assert.equal(closed, true);
    } finally {
      await own.close();
    }
  });

  it('waits a bounded time for a response nobody finishes', async () => {
    const own = await createHarness();
    try {
      await ok(own.send('PUT', { bucket: 'bkt' }));
      await ok(own.send('PUT', { bucket: 'bkt', key: 'k', body: BODY }));
      const { target, headers } = own.sign('GET', { bucket: 'bkt', key: 'k' });
      const res = await own.core.handle({ method: 'GET', rawTarget: target, headers, body: Readable.from([]) });
      assert.equal(own.core.inFlight, 1);
      await own.core.close({ timeoutMs: 20 });
      assert.equal(own.core.storage, undefined);
      if (res.body instanceof Readable) res.body.destroy();
      res.done({ error: new Error('abandoned') });
      assert.equal(own.core.inFlight, 0);
    } finally {
      await own.close();
    }
  });
});
