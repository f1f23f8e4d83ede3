/**
 * The official Java SDK (com.aliyun.oss:aliyun-sdk-oss, pinned in sdk/java/pom.xml) against Pail,
 * signing with V4 (`SignVersion.V4`), CRC-64 checks on (its default). sdk/java/.../SdkClient.java
 * runs the steps and checks the data itself; each step is a subtest here. Set up with
 * scripts/setup-sdk-clients.sh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type PailUnderTest, REPO_ROOT, reportSteps, requireSetup, runClient, startPail } from './sdk/harness.js';

const STEPS = [
  'put-bucket',
  'put-object',
  'head-object',
  'get-object',
  'get-object-to-file',
  'get-object-range',
  'get-missing-object',
  'put-25-list-objects',
  'list-objects-v2-paged-url-encoded',
  'presign-get-httpurlconnection',
  'presign-get-unicode-key',
  'delete-object',
  'multipart-upload-20mib',
  'upload-file-20mib',
  'copy-object',
  'append-object',
  'delete-multiple-objects',
  'delete-bucket',
];

describe('official Java SDK (aliyun-sdk-oss, V4)', () => {
  let pail: PailUnderTest;
  let classpath: string;
  before(async () => {
    const classes = requireSetup('java', '.tmp/sdk-java/classes/pail/sdk/SdkClient.class', '.tmp/sdk-java/stamp', [
      'packages/server/test/clients/sdk/java/src/main/java/pail/sdk/SdkClient.java',
      'packages/server/test/clients/sdk/java/pom.xml',
    ]);
    const deps = readFileSync(join(REPO_ROOT, '.tmp/sdk-java/classpath.txt'), 'utf8').trim();
    classpath = [classes.slice(0, -'pail/sdk/SdkClient.class'.length), deps].join(':');
    pail = await startPail();
  });
  after(async () => {
    await pail?.close();
  });

  const java = (endpoint: string, bucket: string, style: string) =>
    runClient('java', ['-cp', classpath, 'pail.sdk.SdkClient', '--endpoint', endpoint, '--region', 'cn-hangzhou',
      '--bucket', bucket, '--style', style], pail);

  // The SDK switches to path style by itself for an IP (or `localhost`) endpoint.
  test('path style (http://127.0.0.1:PORT/bucket/key)', async (t) => {
    await reportSteps(t, await java(`http://127.0.0.1:${pail.port}`, 'sdk-java-path', 'path'), STEPS);
  });

  // Virtual-hosted needs a domain that is neither an IP nor `localhost`: Pail also serves
  // `pail.test` (harness DOMAINS), which the client resolves to 127.0.0.1 through a JDK hosts file.
  test('virtual-hosted style (http://bucket.pail.test:PORT/key)', async (t) => {
    await reportSteps(t, await java(`http://pail.test:${pail.port}`, 'sdk-java-vhost', 'virtual'), STEPS);
  });
});
