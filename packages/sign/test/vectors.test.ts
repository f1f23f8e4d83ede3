/**
 * Every vector of fixtures/oss-signature-vectors.json (oss-signature.md §5), through the async
 * WebCrypto signers, the sync node:crypto signers, and the verifier.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import * as web from '../src/index.js';
import * as node from '../src/node.js';
import { planSignV4 } from '../src/plan.js';
import type { VerifyRequest } from '../src/verify-api.js';
import { verifyRequest } from '../src/verify.js';
import {
  type AsyncSigner,
  checkSigned,
  credentials,
  ENDPOINT,
  isoBasicToMs,
  loadVectors,
  lowerHeaders,
  queryParams,
  requestFromUrl,
  type Signed,
  signInput,
  signVector,
  type Vector,
  verifyOptions,
} from './helpers.js';

/** The node:crypto signers behind the async API's shape. */
const syncApi: AsyncSigner = {
  presignUrl: async (o) => node.presignUrlSync(o),
  signRequest: async (r, c, o) => node.signRequestSync(r, c, o),
  presignUrlV1: async (o) => node.presignUrlV1Sync(o),
  signRequestV1: async (r, c, o) => node.signRequestV1Sync(r, c, o),
};

/** [universal entry (WebCrypto), Node entry sync (node:crypto)]; the Node entry's async API is checked equal. */
async function signBoth(v: Vector): Promise<[Signed, Signed]> {
  const [a, s, n] = await Promise.all([signVector(web, v), signVector(syncApi, v), signVector(node, v)]);
  assert.deepEqual(n, s, `${v.name}: node entry async = sync`);
  return [a, s];
}

const vectors = loadVectors();
describe('signing: every vector, universal async (WebCrypto), Node async and sync (node:crypto)', () => {
  for (const v of vectors) {
    if (v.signingKeyHex) continue;
    test(v.name, async () => {
      const [a, s] = await signBoth(v);
      checkSigned(v, a, 'async');
      checkSigned(v, s, 'sync');
      assert.deepEqual(a, s, 'both paths return identical results');
    });
  }

  test('signingKeyHex vectors: canonical request, string to sign and signature with the published key', () => {
    const withKey = vectors.filter((v) => v.signingKeyHex);
    assert.ok(withKey.length >= 1);
    for (const v of withKey) {
      const plan = planSignV4(signInput(v), credentials(v), {
        region: v.region!,
        additionalHeaders: v.additionalHeaders,
        date: isoBasicToMs(v.date!),
      });
      assert.equal(plan.canonicalRequest, v.expected.canonicalRequest, v.name);
      const sts = plan.head + createHash('sha256').update(plan.canonicalRequest!).digest('hex');
      assert.equal(sts, v.expected.stringToSign, v.name);
      const sig = createHmac('sha256', Buffer.from(v.signingKeyHex!, 'hex')).update(sts).digest('hex');
      assert.equal(sig, v.expected.signature, v.name);
    }
  });
});

/** The vector as the server would see it on the wire. */
function wireRequest(v: Vector): { req: VerifyRequest; now: number } {
  const e = v.expected;
  switch (v.version) {
    case 'v4-header':
    case 'v1-header': {
      const headers = { ...v.headers, Authorization: e.authorization ?? '' };
      const now = v.version === 'v4-header' ? isoBasicToMs(v.date!) + 1000 : Date.parse(v.date!);
      if (v.requestUrl) return { req: requestFromUrl(v.method, v.requestUrl, v.bucket, headers), now };
      return {
        req: { method: v.method, bucket: v.bucket, key: v.key, query: queryParams(v.query), headers: lowerHeaders(headers) },
        now,
      };
    }
    case 'v4-presign':
      return { req: requestFromUrl(v.method, e.url!, v.bucket, v.headers), now: isoBasicToMs(v.date!) + 1000 };
    case 'v1-presign':
      return { req: requestFromUrl(v.method, e.url!, v.bucket, v.headers), now: (v.expires! - 10) * 1000 };
  }
}

describe('verifying: every vector fed to verifyRequest as a wire request', () => {
  for (const v of vectors) {
    if (v.signingKeyHex) continue;
    test(v.name, () => {
      const { req, now } = wireRequest(v);
      const rec = { accessKeyId: v.accessKeyId!, accessKeySecret: v.accessKeySecret!, securityToken: v.securityToken };
      const r = verifyRequest(req, verifyOptions(now, [rec], v.region ?? 'cn-hangzhou'));
      assert.equal(r.ok, true, `${v.name}: ${JSON.stringify(r)}`);
      assert.equal(r.scheme, v.version.replace('presign', 'query'));
      assert.equal(r.ok && r.form, 'spec');
      assert.equal(r.accessKeyId, v.accessKeyId);
    });
  }

  test('signingKeyHex vectors: the verifier rebuilds the published canonical request and string to sign', () => {
    for (const v of vectors.filter((x) => x.signingKeyHex)) {
      const auth =
        `OSS4-HMAC-SHA256 Credential=AK/${v.date!.slice(0, 8)}/${v.region}/oss/aliyun_v4_request,` +
        `AdditionalHeaders=${v.additionalHeaders!.join(';')},Signature=${v.expected.signature}`;
      const req: VerifyRequest = {
        method: v.method,
        bucket: v.bucket,
        key: v.key,
        query: queryParams(v.query),
        headers: lowerHeaders({ ...v.headers, Authorization: auth }),
      };
      // The secret behind the published key is unknown (§2.8), so the signature cannot match —
      // but the failure echoes exactly what the server computed.
      const r = verifyRequest(req, verifyOptions(isoBasicToMs(v.date!), [{ accessKeyId: 'AK', accessKeySecret: 'x' }]));
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, 'SignatureDoesNotMatch');
      assert.equal(!r.ok && r.canonicalRequest, v.expected.canonicalRequest);
      assert.equal(!r.ok && r.stringToSign, v.expected.stringToSign);
    }
  });

  test('our own signed output verifies too (sync and async)', async () => {
    let n = 0;
    for (const v of vectors) {
      if (v.signingKeyHex) continue;
      const [a] = await signBoth(v);
      const rec = { accessKeyId: v.accessKeyId!, accessKeySecret: v.accessKeySecret!, securityToken: v.securityToken };
      let req: VerifyRequest;
      let now: number;
      if ('authorization' in a) {
        req = requestFromUrl(v.method, a.url ?? `${ENDPOINT}/`, v.bucket, a.headers);
        if (!a.url) req = { ...req, bucket: v.bucket, key: v.key, query: queryParams(v.query) };
        now = v.version === 'v4-header' ? isoBasicToMs(v.date!) : Date.parse(v.date!);
      } else {
        req = requestFromUrl(v.method, a.url, v.bucket, { ...v.headers, ...a.headers });
        now = a.expiresAt.getTime() - 1000;
      }
      const r = verifyRequest(req, verifyOptions(now, [rec], v.region ?? 'cn-hangzhou'));
      assert.equal(r.ok, true, `${v.name}: ${JSON.stringify(r)}`);
      n++;
    }
    assert.equal(n, vectors.filter((v) => !v.signingKeyHex).length);
  });
});
