/**
 * The operation table: request shape → OSS operation name + (action, resource) pairs, for every
 * implemented operation and a sample of the recognised-but-not-implemented ones.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OssError } from '../src/errors/oss-error.js';
import { IMPLEMENTED_OPERATIONS, ROUTES } from '../src/protocol/operations.js';
import { parseRequest } from '../src/protocol/request.js';

type Row = readonly [method: string, target: string, operation: string, pairs: readonly string[], headers?: Record<string, string>, host?: string];

const S = 'acs:oss:*:*:*';
const B = 'acs:oss:*:*:bkt';
const O = (k: string) => `acs:oss:*:*:bkt/${k}`;

/** `operation` is the OSS name; `NotImplemented:<name>` for recognised but unimplemented ones. */
const TABLE: readonly Row[] = [
  ['GET', '/', 'ListBuckets', [`oss:ListBuckets ${S}`]],
  ['GET', '/?prefix=a&marker=b&max-keys=10', 'ListBuckets', [`oss:ListBuckets ${S}`]],
  ['PUT', '/bkt', 'PutBucket', [`oss:PutBucket ${B}`]],
  ['PUT', '/', 'PutBucket', [`oss:PutBucket ${B}`], { 'x-oss-acl': 'public-read' }, 'bkt.localhost:9000'],
  ['DELETE', '/bkt/', 'DeleteBucket', [`oss:DeleteBucket ${B}`]],
  ['GET', '/bkt/?bucketInfo', 'GetBucketInfo', [`oss:GetBucketInfo ${B}`]],
  ['GET', '/bkt/?location=', 'GetBucketLocation', [`oss:GetBucketLocation ${B}`]],
  ['GET', '/bkt/?stat', 'GetBucketStat', [`oss:GetBucketStat ${B}`]],
  ['HEAD', '/bkt', 'HeadBucket', [`oss:ListObjects ${B}`]],
  ['GET', '/bkt', 'ListObjects', [`oss:ListObjects ${B}`]],
  ['GET', '/bkt/?prefix=a%2F&delimiter=%2F&marker=x&max-keys=5&encoding-type=url', 'ListObjects', [`oss:ListObjects ${B}`]],
  ['GET', '/bkt/?list-type=2&start-after=a&fetch-owner=true', 'ListObjectsV2', [`oss:ListObjects ${B}`]],
  ['GET', '/?list-type=2', 'ListObjectsV2', [`oss:ListObjects ${B}`], {}, 'bkt.localhost'],
  ['GET', '/', 'ListObjects', [`oss:ListObjects ${B}`], {}, 'bkt.localhost'],
  ['PUT', '/bkt/?acl', 'PutBucketAcl', [`oss:PutBucketAcl ${B}`], { 'x-oss-acl': 'private' }],
  ['GET', '/bkt/?acl', 'GetBucketAcl', [`oss:GetBucketAcl ${B}`]],
  ['PUT', '/bkt/a/b.txt', 'PutObject', [`oss:PutObject ${O('a/b.txt')}`]],
  ['PUT', '/a/../b', 'PutObject', [`oss:PutObject ${O('a/../b')}`], {}, 'bkt.localhost'],
  ['GET', '/bkt/k', 'GetObject', [`oss:GetObject ${O('k')}`]],
  ['GET', '/bkt/k?response-content-type=text%2Fplain', 'GetObject', [`oss:GetObject ${O('k')}`]],
  ['GET', '/bkt/k?versionId=null', 'GetObject', [`oss:GetObject ${O('k')}`]],
  ['HEAD', '/bkt/k', 'HeadObject', [`oss:GetObject ${O('k')}`]],
  ['HEAD', '/bkt/k?objectMeta', 'GetObjectMeta', [`oss:GetObject ${O('k')}`]],
  ['DELETE', '/bkt/k', 'DeleteObject', [`oss:DeleteObject ${O('k')}`]],
  ['PUT', '/bkt/k?acl', 'PutObjectAcl', [`oss:PutObjectAcl ${O('k')}`], { 'x-oss-object-acl': 'default' }],
  ['GET', '/bkt/k?acl', 'GetObjectAcl', [`oss:GetObjectAcl ${O('k')}`]],
  ['GET', '/-/health', 'PailHealth', []],
  ['GET', '/-/ready', 'PailReady', []],
  // The object API (issue 4).
  ['PUT', '/bkt/dst', 'CopyObject', [`oss:GetObject acs:oss:*:*:src/dir/a b`, `oss:PutObject ${O('dst')}`], { 'x-oss-copy-source': '/src/dir%2Fa%20b' }],
  ['PUT', '/bkt/dst', 'CopyObject', [`oss:GetObject acs:oss:*:*:src/s`, `oss:PutObject ${O('dst')}`], { 'x-oss-copy-source': 'src/s?versionId=null' }],
  [
    'PUT',
    '/bkt/dst',
    'CopyObject',
    [`oss:GetObject acs:oss:*:*:src/s`, `oss:PutObject ${O('dst')}`, `oss:PutObjectTagging ${O('dst')}`],
    { 'x-oss-copy-source': '/src/s', 'x-oss-tagging-directive': 'Replace', 'x-oss-tagging': 'a=1' },
  ],
  ['PUT', '/bkt/dst', 'NotImplemented:CopyObject', [`oss:GetObject acs:oss:*:*:src/s`, `oss:PutObject ${O('dst')}`], { 'x-oss-copy-source': '/src/s?versionId=CAEQ' }],
  ['PUT', '/bkt/k', 'PutObject', [`oss:PutObject ${O('k')}`, `oss:PutObjectTagging ${O('k')}`], { 'x-oss-tagging': 'a=1' }],
  ['POST', '/bkt/k?uploads', 'InitiateMultipartUpload', [`oss:PutObject ${O('k')}`]],
  ['POST', '/bkt/k?uploads&encoding-type=url', 'InitiateMultipartUpload', [`oss:PutObject ${O('k')}`, `oss:PutObjectTagging ${O('k')}`], { 'x-oss-tagging': 'a=1' }],
  ['PUT', '/bkt/k?partNumber=1&uploadId=U', 'UploadPart', [`oss:PutObject ${O('k')}`]],
  ['PUT', '/bkt/k?partNumber=1&uploadId=U', 'UploadPartCopy', [`oss:GetObject acs:oss:*:*:src/s`, `oss:PutObject ${O('k')}`], { 'x-oss-copy-source': '/src/s' }],
  ['POST', '/bkt/k?uploadId=U', 'CompleteMultipartUpload', [`oss:PutObject ${O('k')}`]],
  ['DELETE', '/bkt/k?uploadId=U', 'AbortMultipartUpload', [`oss:AbortMultipartUpload ${O('k')}`]],
  ['GET', '/bkt/k?uploadId=U', 'ListParts', [`oss:ListParts ${O('k')}`]],
  ['GET', '/bkt/k?uploadId=U&max-parts=5&part-number-marker=2', 'ListParts', [`oss:ListParts ${O('k')}`]],
  ['GET', '/bkt/?uploads', 'ListMultipartUploads', [`oss:ListMultipartUploads ${B}`]],
  ['GET', '/?uploads&prefix=a&max-uploads=3', 'ListMultipartUploads', [`oss:ListMultipartUploads ${B}`], {}, 'bkt.localhost'],
  ['POST', '/bkt/k?append&position=0', 'AppendObject', [`oss:PutObject ${O('k')}`]],
  ['POST', '/bkt/?delete', 'DeleteMultipleObjects', [`oss:DeleteObject ${O('*')}`]],
  ['PUT', '/bkt/k?tagging', 'PutObjectTagging', [`oss:PutObjectTagging ${O('k')}`]],
  ['GET', '/bkt/k?tagging', 'GetObjectTagging', [`oss:GetObjectTagging ${O('k')}`]],
  ['DELETE', '/bkt/k?tagging', 'DeleteObjectTagging', [`oss:DeleteObjectTagging ${O('k')}`]],
  ['PUT', '/bkt/k?symlink', 'PutSymlink', [`oss:PutObject ${O('k')}`], { 'x-oss-symlink-target': 't%2Fx' }],
  ['GET', '/bkt/k?symlink', 'GetSymlink', [`oss:GetObject ${O('k')}`]],
  ['GET', '/bkt/k?tagging&versionId=CAEQ', 'NotImplemented:GetObjectTagging', [`oss:GetObjectTagging ${O('k')}`]],
  ['POST', '/bkt/', 'PostObject', [`oss:PutObject ${O('*')}`]],
  // Bucket CORS; the preflight needs no access (answered from the rules before authentication).
  ['PUT', '/bkt/?cors', 'PutBucketCors', [`oss:PutBucketCors ${B}`]],
  ['GET', '/bkt/?cors', 'GetBucketCors', [`oss:GetBucketCors ${B}`]],
  ['DELETE', '/bkt/?cors', 'DeleteBucketCors', [`oss:DeleteBucketCors ${B}`]],
  ['OPTIONS', '/bkt/k', 'OptionObject', []],
  ['OPTIONS', '/bkt/', 'OptionObject', []],
  ['OPTIONS', '/k?acl', 'OptionObject', [], {}, 'bkt.localhost'],
  // Recognised, not implemented yet (501 after auth): the pairs they will need are already data.
  ['POST', '/bkt/k?restore', 'NotImplemented:RestoreObject', [`oss:RestoreObject ${O('k')}`]],
  ['GET', '/bkt/k?x-oss-process=image%2Fresize%2Cw_100', 'NotImplemented:GetObject', [`oss:GetObject ${O('k')}`]],
  ['POST', '/bkt/k?x-oss-process', 'NotImplemented:ProcessObject', [`oss:PostProcessTask ${O('k')}`]],
  ['GET', '/bkt/k?versionId=CAEQ', 'NotImplemented:GetObject', [`oss:GetObject ${O('k')}`]],
  ['DELETE', '/bkt/k?versionId=CAEQ', 'NotImplemented:DeleteObject', [`oss:DeleteObject ${O('k')}`]],
  ['PUT', '/bkt/?versioning', 'NotImplemented:PutBucketVersioning', [`oss:PutBucketVersioning ${B}`]],
  ['GET', '/bkt/?versioning', 'NotImplemented:GetBucketVersioning', [`oss:GetBucketVersioning ${B}`]],
  ['GET', '/bkt/?versions', 'NotImplemented:ListObjectVersions', [`oss:ListObjectVersions ${B}`]],
  ['DELETE', '/bkt/?lifecycle', 'NotImplemented:DeleteBucketLifecycle', [`oss:DeleteBucketLifecycle ${B}`]],
  ['GET', '/bkt/?policy', 'NotImplemented:GetBucketPolicy', [`oss:GetBucketPolicy ${B}`]],
  ['PUT', '/bkt/?tagging', 'NotImplemented:PutBucketTags', [`oss:PutBucketTags ${B}`]],
  ['GET', '/?regions', 'NotImplemented:DescribeRegions', [`oss:DescribeRegions ${S}`]],
];

function show(method: string, target: string, headers: Record<string, string> = {}, host = 'localhost:9000') {
  const { route } = parseRequest({ method, rawTarget: target, headers: { host, ...headers } }, { domains: ['localhost'] });
  // Routing alone decides name and pairs; the arguments, parsed later, build that same operation.
  const op = route.args();
  assert.equal(op.name, route.name);
  assert.deepEqual(op.access, route.access);
  const name = route.name === 'NotImplemented' ? `NotImplemented:${route.operation}` : route.name;
  return { name, pairs: route.access.map((p) => `${p.action} ${p.resource}`) };
}

describe('operation → (action, resource) table', () => {
  for (const [method, target, operation, pairs, headers, host] of TABLE) {
    it(`${method} ${host ?? ''}${target} → ${operation}`, () => {
      assert.deepEqual(show(method, target, headers, host), { name: operation, pairs: [...pairs] });
    });
  }

  it('covers every implemented operation of the union', () => {
    const covered = new Set(TABLE.map((r) => r[2]));
    for (const name of IMPLEMENTED_OPERATIONS) assert.ok(covered.has(name), `no table row for ${name}`);
    for (const name of ['PailHealth', 'PailReady']) assert.ok(covered.has(name), name);
  });

  it('covers every not-implemented route of the route table', () => {
    const covered = new Set(TABLE.map((r) => r[2]));
    const implemented = new Set<string>(IMPLEMENTED_OPERATIONS);
    const missing = [
      ...new Set(
        ROUTES.filter((r) => !implemented.has(r.operation) && !/Bucket[A-Z]|Cname|AccessPoint|Style/.test(r.operation)).map(
          (r) => `NotImplemented:${r.operation}`,
        ),
      ),
    ].filter((n) => !covered.has(n));
    assert.deepEqual(missing, []);
  });

  it('a method no route takes is 405 MethodNotAllowed', () => {
    for (const [method, target] of [
      ['PATCH', '/bkt/k'],
      ['POST', '/bkt/k'],
      ['DELETE', '/'],
      ['PUT', '/'],
      ['DELETE', '/bkt/?location'],
      ['GET', '/bkt/k?objectMeta'],
    ] as const) {
      assert.throws(
        () => show(method, target),
        (e: unknown) => e instanceof OssError && e.code === 'MethodNotAllowed' && e.status === 405,
        `${method} ${target}`,
      );
    }
  });

  it('sub-resources of another level are ordinary parameters', () => {
    assert.equal(show('GET', '/bkt/k?location').name, 'GetObject');
    assert.equal(show('GET', '/bkt/?objectMeta').name, 'ListObjects');
  });
});
