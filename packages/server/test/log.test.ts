/**
 * Structured logs: one JSON line per request with the fields operators need, human-readable on
 * a TTY, levels, and secrets (x-oss-signature, Signature, *security-token, Authorization)
 * never written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, type LogSink, REDACTED, redact, redactTarget } from '../src/log.js';
import { createHarness, type Harness } from './helpers.js';

function capture(isTTY = false): LogSink & { lines: string[] } {
  const lines: string[] = [];
  return {
    isTTY,
    lines,
    write(chunk: string) {
      lines.push(...chunk.split('\n').filter((l) => l !== ''));
      return true;
    },
  };
}

describe('redaction', () => {
  it('redactTarget replaces secret query values, also when the name is percent-encoded', () => {
    assert.equal(
      redactTarget('/b/k?x-oss-credential=ak%2F20260115&x-oss-signature=abcdef&x-oss-security-token=tok&a=1'),
      `/b/k?x-oss-credential=ak%2F20260115&x-oss-signature=${REDACTED}&x-oss-security-token=${REDACTED}&a=1`,
    );
    assert.equal(redactTarget('/b/k?OSSAccessKeyId=ak&Expires=1&Signature=a%2Bb%3D&security-token=t'), `/b/k?OSSAccessKeyId=ak&Expires=1&Signature=${REDACTED}&security-token=${REDACTED}`);
    assert.equal(redactTarget('/b/k?x-oss-%73ignature=abc'), `/b/k?x-oss-%73ignature=${REDACTED}`);
    assert.equal(redactTarget('/b/k?signature=abc'), `/b/k?signature=${REDACTED}`);
    assert.equal(redactTarget('/b/k'), '/b/k');
  });

  it('redact() walks fields: secret names, embedded URLs and Authorization values in text', () => {
    const out = JSON.stringify(
      redact({
        headers: {
          authorization: 'OSS4-HMAC-SHA256 Credential=ak/20260115/cn-hangzhou/oss/aliyun_v4_request,Signature=deadbeefcafe',
          'x-oss-security-token': 'sts-token-value',
          'user-agent': 'curl',
        },
        Signature: 'sig-value',
        url: 'http://h/b/k?x-oss-signature=feedface',
        note: 'sent Authorization: OSS LTAIabc:abcdefghijklmnopqrstuvwxyz0= to the server',
        nested: [{ securityToken: 'x', 'security-token': 'tok2' }],
      }),
    );
    for (const secret of ['deadbeefcafe', 'sts-token-value', 'sig-value', 'feedface', 'abcdefghijklmnopqrstuvwxyz0=', 'tok2']) {
      assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    }
    assert.ok(out.includes('curl'));
  });
});

describe('redaction of secret-like names and odd inputs', () => {
  it('fields named like secrets, passwords or tokens are redacted', () => {
    const out = redact({
      accessKeySecret: 'aks-value',
      AccessKeySecret: 'aks2-value',
      secret: 'secret-value',
      password: 'pw-value',
      dbPassword: 'pw2-value',
      token: 'token-value',
      sessionToken: 'st-value',
      accessKeyId: 'LTAIkeep',
      tokens: 3,
    }) as Record<string, unknown>;
    for (const k of ['accessKeySecret', 'AccessKeySecret', 'secret', 'password', 'dbPassword', 'token', 'sessionToken']) assert.equal(out[k], REDACTED, k);
    assert.equal(out.accessKeyId, 'LTAIkeep');
    assert.equal(out.tokens, 3);
  });

  it('a field named __proto__ stays an ordinary, redacted field', () => {
    const out = redact(JSON.parse('{"__proto__": {"x-oss-signature": "sig", "a": 1}, "b": 2}')) as Record<string, unknown>;
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.equal(JSON.stringify(out), `{"__proto__":{"x-oss-signature":"${REDACTED}","a":1},"b":2}`);
  });

  it('redactTarget: only signatures and security tokens; empty items, bare names and odd encodings', () => {
    const same = '/b/k?x-oss-credential=ak&x-oss-date=20260115T120000Z&continuation-token=abc&prefix=a%2Fb&max-keys=1';
    assert.equal(redactTarget(same), same);
    assert.equal(redactTarget('/b/k?&&signature&x-oss-signature=&a=b=c'), `/b/k?&&signature&x-oss-signature=${REDACTED}&a=b=c`);
    assert.equal(redactTarget('/b/k?X-OSS-SIGNATURE=abc&x-oss-signature-version=OSS4'), `/b/k?X-OSS-SIGNATURE=${REDACTED}&x-oss-signature-version=OSS4`);
    assert.equal(redactTarget('/b/k?a=1&x%2Doss%2Dsecurity%2Dtoken=t&x+security-token=u'), `/b/k?a=1&x%2Doss%2Dsecurity%2Dtoken=${REDACTED}&x+security-token=${REDACTED}`);
    assert.equal(redactTarget('/b/k?%ZZ=1&signature=s'), `/b/k?%ZZ=1&signature=${REDACTED}`);
    assert.equal(redactTarget('/b/k?a'), '/b/k?a');
    assert.equal(redactTarget('/b/k?'), '/b/k?');
  });
});

describe('logger', () => {
  it('JSON lines when not a TTY; levels filter', () => {
    const sink = capture(false);
    const log = createLogger({ level: 'warn', stream: sink, now: () => Date.UTC(2026, 0, 1) });
    log.info('hidden');
    log.debug('hidden');
    log.warn('shown', { a: 1 });
    log.error('also', { authorization: 'OSS ak:secretsecretsecretsecret00=' });
    assert.equal(sink.lines.length, 2);
    const first = JSON.parse(sink.lines[0]!);
    assert.deepEqual(first, { time: '2026-01-01T00:00:00.000Z', level: 'warn', msg: 'shown', a: 1 });
    assert.equal(JSON.parse(sink.lines[1]!).authorization, REDACTED);
    assert.equal(log.enabled('info'), false);
    assert.equal(log.enabled('error'), true);
  });

  it('human-readable on a TTY, still redacted', () => {
    const sink = capture(true);
    const log = createLogger({ level: 'debug', stream: sink });
    log.info('request', { status: 200, target: '/b/k?x-oss-signature=abc123', operation: 'GetObject' });
    assert.equal(sink.lines.length, 1);
    assert.match(sink.lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}request status=200 target="\/b\/k\?x-oss-signature=REDACTED" operation=GetObject$/);
  });

  it('silent writes nothing', () => {
    const sink = capture();
    createLogger({ level: 'silent', stream: sink }).error('x');
    assert.equal(sink.lines.length, 0);
  });
});

describe('access log of the core', () => {
  let h: Harness;
  const sink = capture(false);
  before(async () => {
    h = await createHarness({ log: createLogger({ level: 'info', stream: sink }) });
    await h.send('PUT', { bucket: 'bkt' });
    await h.send('PUT', { bucket: 'bkt', key: 'dir/obj.txt', body: Buffer.from('0123456789') });
  });
  after(() => h.close());

  it('one line per request: request id, operation, status, bytes, duration, bucket, key; no secrets', async () => {
    sink.lines.length = 0;
    const { target } = h.presign('GET', { bucket: 'bkt', key: 'dir/obj.txt' });
    const signature = /x-oss-signature=([0-9a-f]+)/.exec(target)![1]!;
    const r = await h.raw({ target: `${target}&x-oss-security-token=TOKEN-SECRET` });
    assert.equal(r.status, 403, 'the extra token breaks the signature; the line is still written');
    const ok = await h.raw({ target });
    assert.equal(ok.status, 200);
    const signed = h.sign('GET', { bucket: 'bkt', key: 'dir/obj.txt' });
    const authSig = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization!)![1]!;
    assert.equal((await h.raw({ target: signed.target, headers: signed.headers })).status, 200);

    assert.equal(sink.lines.length, 3);
    const all = sink.lines.join('\n');
    for (const secret of [signature, 'TOKEN-SECRET', authSig]) assert.ok(!all.includes(secret), `${secret} leaked`);
    const line = JSON.parse(sink.lines[1]!);
    assert.equal(line.msg, 'request');
    assert.equal(line.level, 'info');
    assert.equal(line.requestId, ok.requestId);
    assert.equal(line.operation, 'GetObject');
    assert.equal(line.method, 'GET');
    assert.equal(line.status, 200);
    assert.equal(line.bytes, 10);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(line.bucket, 'bkt');
    assert.equal(line.key, 'dir/obj.txt');
    assert.match(line.target, /x-oss-signature=REDACTED/);
    const denied = JSON.parse(sink.lines[0]!);
    assert.equal(denied.status, 403);
    assert.equal(denied.errorCode, 'SignatureDoesNotMatch');
  });

  it('uploads log bytesIn; internal errors are logged at error level without reaching the client', async () => {
    sink.lines.length = 0;
    await h.send('PUT', { bucket: 'bkt', key: 'up.bin', body: Buffer.alloc(1234) });
    const put = JSON.parse(sink.lines.at(-1)!);
    assert.equal(put.operation, 'PutObject');
    assert.equal(put.bytesIn, 1234);

    sink.lines.length = 0;
    const metadata = h.storage.metadata;
    const original = metadata.getBucket;
    metadata.getBucket = async () => {
      throw new Error('disk on fire at /var/secret/path');
    };
    try {
      const r = await h.send('GET', { bucket: 'bkt', key: 'up.bin' });
      assert.equal(r.status, 500);
      assert.doesNotMatch(r.body.toString(), /fire|secret/);
    } finally {
      metadata.getBucket = original;
    }
    const lines = sink.lines.map((l) => JSON.parse(l));
    const internal = lines.find((l) => l.msg === 'internal error');
    assert.equal(internal?.level, 'error');
    assert.match(internal.error.message, /disk on fire/);
    assert.ok(internal.error.stack);
    assert.equal(lines.find((l) => l.msg === 'request')?.status, 500);
  });
});
