/**
 * The official Java SDK (com.aliyun.oss:aliyun-sdk-oss, pinned in sdk/java/pom.xml) against Pail,
 * signing with V4 (`SignVersion.V4`), CRC-64 checks on (its default). sdk/java/.../SdkClient.java
 * runs the steps and checks the data itself; each step is a subtest here. Set up with
 * scripts/setup-sdk-clients.sh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSdkClient, REPO_ROOT, requireSetup } from './sdk/harness.js';

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

describeSdkClient({
  title: 'official Java SDK (aliyun-sdk-oss, V4)',
  name: 'java',
  steps: STEPS,
  // Path style: the SDK switches to it by itself for an IP (or `localhost`) endpoint. So
  // virtual-hosted needs a domain that is neither an IP nor `localhost`: Pail also serves
  // `pail.test` (harness DOMAINS), which the client resolves to 127.0.0.1 through a JDK hosts file.
  vhostDomain: 'pail.test',
  prepare: () => {
    const classes = requireSetup('java', '.tmp/sdk-java/classes/pail/sdk/SdkClient.class', '.tmp/sdk-java/stamp', [
      'packages/server/test/clients/sdk/java/src/main/java/pail/sdk/SdkClient.java',
      'packages/server/test/clients/sdk/java/pom.xml',
    ]);
    const deps = readFileSync(join(REPO_ROOT, '.tmp/sdk-java/classpath.txt'), 'utf8').trim();
    const classpath = [classes.slice(0, -'pail/sdk/SdkClient.class'.length), deps].join(':');
    return ['java', '-cp', classpath, 'pail.sdk.SdkClient'];
  },
});
