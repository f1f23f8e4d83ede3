/**
 * PostObject: the streaming form-data reader, V4 policy forms through the core (accept and every
 * kind of refusal), anonymous forms, and a browser-style upload with Node's fetch (FormData +
 * Blob) over a real socket.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PostPolicyV4Fields, signPostPolicyV4Sync } from '@pail/sign';
import { formBoundary, readFieldText, readFormData } from '../src/protocol/form-data.js';
import { createLogger } from '../src/log.js';
import { type RunningServer, startServer } from '../src/server.js';
import { crc64 } from '../src/storage/crc64.js';
import { CREDS, createHarness, type Harness, REGION, type Reply, unescapeXml, xml } from './helpers.js';

const BOUNDARY = '----PailFormBoundary7MA4YWxkTrZu0gW';
// biome-ignore lint/suspicious/noTemplateCurlyInString: OSS's literal placeholder, not a template.
const FILENAME = '${filename}';

interface FileField {
  readonly data: Buffer;
  readonly filename?: string;
  readonly type?: string;
}

/** A multipart/form-data body as browsers write it: text fields, then the file. */
function formBody(fields: readonly (readonly [string, string])[], file?: FileField, boundary = BOUNDARY): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename ?? 'blob'}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

async function* chunked(data: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collectParts(body: AsyncIterable<Uint8Array>, boundary = BOUNDARY): Promise<{ name: string; filename?: string; value: Buffer }[]> {
  const out: { name: string; filename?: string; value: Buffer }[] = [];
  for await (const part of readFormData(body, boundary)) {
    const chunks: Buffer[] = [];
    for await (const c of part.body) chunks.push(Buffer.from(c));
    out.push({ name: part.name, ...(part.filename === undefined ? {} : { filename: part.filename }), value: Buffer.concat(chunks) });
  }
  return out;
}

describe('multipart/form-data reader', () => {
  it('finds the boundary in Content-Type, quoted or not', () => {
    assert.equal(formBoundary(`multipart/form-data; boundary=${BOUNDARY}`), BOUNDARY);
    assert.equal(formBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"'), 'a b:c');
    assert.equal(formBoundary('application/x-www-form-urlencoded'), undefined);
    assert.equal(formBoundary('multipart/form-data'), undefined);
    assert.equal(formBoundary(undefined), undefined);
  });

  it('reads the same parts whatever the chunking (down to one byte), with boundary-like bytes in the file', async () => {
    const tricky = Buffer.concat([Buffer.from(`\r\n--${BOUNDARY.slice(0, -1)}x\r\n--`), Buffer.alloc(3000, 0x2d), Buffer.from('\r\n\r\n')]);
    const body = formBody(
      [
        ['key', `dir/${FILENAME}`],
        ['x-oss-meta-name', '中文 value'],
        ['empty', ''],
      ],
      { data: tricky, filename: 'a %22b%22.txt' },
    );
    const expected = [
      { name: 'key', value: Buffer.from(`dir/${FILENAME}`) },
      { name: 'x-oss-meta-name', value: Buffer.from('中文 value') },
      { name: 'empty', value: Buffer.alloc(0) },
      { name: 'file', filename: 'a %22b%22.txt', value: tricky },
    ];
    for (const size of [1, 2, 3, 7, 64, 1000, body.length]) {
      assert.deepEqual(await collectParts(chunked(body, size)), expected, `chunks of ${size}`);
    }
  });

  it('streams the file: its first bytes come out before the body has been read to the end', async () => {
    const file = Buffer.alloc(256 * 1024, 7);
    const body = formBody([['key', 'k']], { data: file });
    let delivered = 0;
    const source = (async function* () {
      for (let i = 0; i < body.length; i += 1024) {
        delivered = i + 1024;
        yield body.subarray(i, i + 1024);
      }
    })();
    for await (const part of readFormData(source, BOUNDARY)) {
      if (part.name !== 'file') {
        await readFieldText(part, 100);
        continue;
      }
      const first = await part.body[Symbol.asyncIterator]().next();
      assert.ok(!first.done && first.value.length > 0);
      assert.ok(delivered < body.length / 2, `only ${delivered} of ${body.length} bytes were read`);
      break;
    }
  });

  it('refuses malformed bodies: no closing boundary, oversized headers, a part without a name', async () => {
    const refuse = async (body: Buffer) => {
      await assert.rejects(collectParts(chunked(body, 100)), (e: unknown) => (e as { code?: string }).code === 'MalformedPOSTRequest');
    };
    const good = formBody([['key', 'k']], { data: Buffer.from('data') });
    await refuse(good.subarray(0, good.length - 10));
    await refuse(Buffer.from(`--${BOUNDARY}\r\nX-Long: ${'a'.repeat(10_000)}\r\n\r\nv\r\n--${BOUNDARY}--`));
    await refuse(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nv\r\n--${BOUNDARY}--`));
    await refuse(Buffer.from('not a form at all'));
    const field = async (limit: number) => {
      for await (const part of readFormData(chunked(good, 5), BOUNDARY)) return readFieldText(part, limit);
      return undefined;
    };
    assert.equal(await field(1), 'k');
    await assert.rejects(field(0), (e: unknown) => (e as { code?: string }).code === 'MalformedPOSTRequest');
  });
});

describe('PostObject through the core', () => {
  let h: Harness;
  const B = 'forms';

  before(async () => {
    h = await createHarness();
    await h.send('PUT', { bucket: B });
    await h.send('PUT', { bucket: 'open-forms', headers: { 'x-oss-acl': 'public-read-write' } });
  });
  after(() => h.close());

  function sign(conditions: unknown[], expiresInMs = 3_600_000): PostPolicyV4Fields {
    return signPostPolicyV4Sync({
      policy: { expiration: new Date(h.clock.now() + expiresInMs).toISOString(), conditions },
      credentials: CREDS,
      region: REGION,
      date: h.clock.now(),
    });
  }

  function post(body: Buffer, bucket = B, contentType = `multipart/form-data; boundary=${BOUNDARY}`): Promise<Reply> {
    return h.raw({ method: 'POST', target: `/${bucket}/`, headers: { 'content-type': contentType }, body });
  }

  function signedForm(conditions: unknown[], extra: readonly (readonly [string, string])[], file: FileField, expiresInMs?: number): Buffer {
    return formBody([...extra, ...Object.entries(sign(conditions, expiresInMs))], file);
  }

  async function blobCount(): Promise<number> {
    let n = 0;
    for await (const _ of h.storage.blobs.list()) n++;
    return n;
  }

  function errorCode(r: Reply): string | undefined {
    return xml(r.body, 'Code');
  }

  it('accepts a signed form: 204 by default, the object stored with its form attributes', async () => {
    const data = Buffer.from('uploaded from a browser');
    const body = signedForm(
      [{ bucket: B }, ['starts-with', '$key', 'user/'], ['content-length-range', 1, 1024]],
      [
        ['key', `user/${FILENAME}`],
        ['Content-Type', 'text/plain'],
        ['x-oss-meta-origin', 'form'],
        ['x-oss-object-acl', 'public-read'],
      ],
      { data, filename: 'C:\\fakepath\\note.txt' },
    );
    const r = await post(body);
    assert.equal(r.status, 204, r.body.toString());
    assert.ok(r.headers.etag);
    assert.equal(r.headers['x-oss-hash-crc64ecma'], crc64(data).toString());
    const rec = await h.storage.metadata.getObject(B, 'user/note.txt');
    assert.equal(rec?.size, data.length);
    assert.equal(rec?.httpHeaders.contentType, 'text/plain');
    assert.deepEqual(rec?.userMeta, { origin: 'form' });
    assert.equal(rec?.acl, 'public-read');
    const got = await h.send('GET', { bucket: B, key: 'user/note.txt' });
    assert.deepEqual(got.body, data);
  });

  it('answers success_action_status 201 with a PostResponse document, and 200 with no body', async () => {
    const r201 = await post(signedForm([], [['key', 'status/201'], ['success_action_status', '201']], { data: Buffer.from('a') }));
    assert.equal(r201.status, 201, r201.body.toString());
    assert.equal(xml(r201.body, 'Key'), 'status/201');
    assert.equal(xml(r201.body, 'Bucket'), B);
    assert.equal(unescapeXml(xml(r201.body, 'ETag')!), r201.headers.etag);
    const r200 = await post(signedForm([], [['key', 'status/200'], ['success_action_status', '200']], { data: Buffer.from('b') }));
    assert.equal(r200.status, 200);
    assert.equal(r200.body.length, 0);
  });

  it('enforces content-length-range while streaming (EntityTooLarge) and before committing (EntityTooSmall)', async () => {
    const before = await blobCount();
    const big = await post(signedForm([['content-length-range', 1, 10]], [['key', 'range/big']], { data: Buffer.alloc(11) }));
    assert.equal(big.status, 400);
    assert.equal(errorCode(big), 'EntityTooLarge');
    const small = await post(signedForm([['content-length-range', 5, 10]], [['key', 'range/small']], { data: Buffer.alloc(3) }));
    assert.equal(small.status, 400);
    assert.equal(errorCode(small), 'EntityTooSmall');
    assert.equal(await h.storage.metadata.getObject(B, 'range/big'), undefined);
    assert.equal(await h.storage.metadata.getObject(B, 'range/small'), undefined);
    await h.storage.drain();
    assert.equal(await blobCount(), before, 'nothing left behind');
    const exact = await post(signedForm([['content-length-range', 5, 10]], [['key', 'range/ok']], { data: Buffer.alloc(10) }));
    assert.equal(exact.status, 204);
  });

  it('refuses failed conditions (403), an expired policy (403) and a wrong signature (403)', async () => {
    const prefix = await post(signedForm([['starts-with', '$key', 'user/']], [['key', 'admin/x']], { data: Buffer.from('x') }));
    assert.equal(prefix.status, 403);
    assert.equal(errorCode(prefix), 'AccessDenied');
    assert.match(xml(prefix.body, 'Message')!, /Policy Condition failed/);
    const bucket = await post(signedForm([{ bucket: 'other' }], [['key', 'k']], { data: Buffer.from('x') }));
    assert.equal(bucket.status, 403);
    const eq = await post(signedForm([['eq', '$x-oss-meta-a', '1']], [['key', 'k'], ['x-oss-meta-a', '2']], { data: Buffer.from('x') }));
    assert.equal(eq.status, 403);
    const inList = await post(signedForm([['in', '$content-type', ['image/png']]], [['key', 'k'], ['content-type', 'text/html']], { data: Buffer.from('x') }));
    assert.equal(inList.status, 403);
    const expired = await post(signedForm([], [['key', 'k']], { data: Buffer.from('x') }, -1000));
    assert.equal(expired.status, 403);
    assert.equal(errorCode(expired), 'AccessDenied');
    assert.match(xml(expired.body, 'Message')!, /expired/i);
    const fields = sign([]);
    const tampered = formBody([['key', 'k'], ...Object.entries({ ...fields, 'x-oss-signature': '0'.repeat(64) })], { data: Buffer.from('x') });
    const bad = await post(tampered);
    assert.equal(bad.status, 403);
    assert.equal(errorCode(bad), 'SignatureDoesNotMatch');
    assert.equal(await h.storage.metadata.getObject(B, 'admin/x'), undefined);
    assert.equal(await h.storage.metadata.getObject(B, 'k'), undefined);
  });

  it('refuses an invalid policy document (400 InvalidPolicyDocument) and malformed requests (400)', async () => {
    const unknown = await post(signedForm([['matches', '$key', '.*']], [['key', 'k']], { data: Buffer.from('x') }));
    assert.equal(unknown.status, 400);
    assert.equal(errorCode(unknown), 'InvalidPolicyDocument');
    const range = await post(signedForm([['content-length-range', 10, 1]], [['key', 'k']], { data: Buffer.from('x') }));
    assert.equal(errorCode(range), 'InvalidPolicyDocument');
    const notForm = await post(Buffer.from('key=k'), B, 'application/x-www-form-urlencoded');
    assert.equal(notForm.status, 400);
    assert.equal(errorCode(notForm), 'RequestIsNotMultiPartContent');
    const good = signedForm([], [['key', 'k']], { data: Buffer.from('x') });
    const cut = await post(good.subarray(0, good.length - 20));
    assert.equal(cut.status, 400);
    assert.equal(errorCode(cut), 'MalformedPOSTRequest');
    const noFile = await post(formBody([['key', 'k'], ...Object.entries(sign([]))]));
    assert.equal(errorCode(noFile), 'InvalidArgument');
    const noKey = await post(formBody(Object.entries(sign([])), { data: Buffer.from('x') }));
    assert.equal(errorCode(noKey), 'InvalidArgument');
  });

  it('anonymous forms (no signature) need a bucket that allows anonymous writes', async () => {
    const anon = formBody([['key', 'anon.txt']], { data: Buffer.from('anonymous') });
    const denied = await post(anon);
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), 'AccessDenied');
    const allowed = await post(anon, 'open-forms');
    assert.equal(allowed.status, 204, allowed.body.toString());
    assert.equal((await h.storage.metadata.getObject('open-forms', 'anon.txt'))?.size, 9);
  });
});

describe('PostObject from fetch (FormData + Blob) over a socket', () => {
  let server: RunningServer;
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pail-post-'));
    server = await startServer({ port: 0, dataDir, log: createLogger({ level: 'silent' }) });
    const storage = server.core.storage!;
    await storage.metadata.createBucket({
      name: 'web',
      createdAt: Date.now(),
      acl: 'private',
      storageClass: 'Standard',
      region: server.config.region,
      owner: server.rootCredentials.accessKeyId,
    });
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function form(key: string, data: Uint8Array<ArrayBuffer>, conditions: unknown[]): FormData {
    const fields = signPostPolicyV4Sync({
      policy: { expiration: new Date(Date.now() + 600_000).toISOString(), conditions },
      credentials: server.rootCredentials,
      region: server.config.region,
    });
    const fd = new FormData();
    fd.append('key', key);
    fd.append('success_action_status', '201');
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    fd.append('file', new Blob([data], { type: 'image/png' }), 'photo.png');
    return fd;
  }

  it('accepts a policy-conforming upload and refuses one outside content-length-range', async () => {
    const data = new Uint8Array(new ArrayBuffer(64 * 1024));
    for (let i = 0; i < data.length; i++) data[i] = i % 256;
    const okRes = await fetch(`${server.url}/web/`, { method: 'POST', body: form(`uploads/${FILENAME}`, data, [['content-length-range', 1, 1_000_000]]) });
    const text = await okRes.text();
    assert.equal(okRes.status, 201, text);
    assert.equal(xml(text, 'Key'), 'uploads/photo.png');
    const rec = await server.core.storage!.metadata.getObject('web', 'uploads/photo.png');
    assert.equal(rec?.size, data.length);
    assert.equal(rec?.httpHeaders.contentType, 'image/png');
    assert.equal(rec?.crc64, crc64(data).toString());

    const tooBig = await fetch(`${server.url}/web/`, { method: 'POST', body: form('uploads/big.png', data, [['content-length-range', 1, 1000]]) });
    const err = await tooBig.text();
    assert.equal(tooBig.status, 400);
    assert.equal(xml(err, 'Code'), 'EntityTooLarge');
    assert.equal(await server.core.storage!.metadata.getObject('web', 'uploads/big.png'), undefined);
  });
});

