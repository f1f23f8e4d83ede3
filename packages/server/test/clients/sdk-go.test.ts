/**
 * The official Go SDK V2 (github.com/aliyun/alibabacloud-oss-go-sdk-v2, pinned in sdk/go/go.mod)
 * against Pail, with its defaults: V4 signing, CRC-64 checks on upload and download, encoding-type=url
 * on listings, its uploader and downloader (oss-api-notes.md §5.1). sdk/go/main.go runs the steps
 * and checks the data itself; each step is a subtest here. Set up with scripts/setup-sdk-clients.sh.
 */
import { describeSdkClient, requireSetup } from './sdk/harness.js';

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
  'list-objects-v2-delimiter',
  'list-objects-v2-start-after',
  'presign-get-net-http',
  'presign-get-unicode-key',
  'delete-object',
  'is-object-exist',
  'multipart-upload-20mib',
  'uploader-20mib',
  'downloader-20mib',
  'abort-multipart-upload',
  'copy-object',
  'append-object',
  'delete-multiple-objects',
  'delete-bucket',
];

describeSdkClient({
  title: 'official Go SDK V2 (alibabacloud-oss-go-sdk-v2)',
  name: 'go',
  steps: STEPS,
  // Path style: an IP endpoint, for which the SDK picks path style by itself. Virtual-hosted: the
  // SDK's default addressing, Host `sdk-go-vhost.localhost:PORT` (the client's dialer sends every
  // connection to 127.0.0.1, since *.localhost does not resolve everywhere).
  vhostDomain: 'localhost',
  prepare: () => [
    requireSetup('go', '.tmp/sdk-go-client', '.tmp/sdk-go-client.stamp', [
      'packages/server/test/clients/sdk/go/main.go',
      'packages/server/test/clients/sdk/go/go.mod',
      'packages/server/test/clients/sdk/go/go.sum',
    ]),
  ],
});
