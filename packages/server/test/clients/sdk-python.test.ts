/**
 * The official Python SDK V2 (`alibabacloud-oss-v2`, pinned in sdk/python/requirements.txt) against
 * Pail, with its defaults: V4 signing, CRC-64 checks on upload and download, encoding-type=url on
 * listings (oss-api-notes.md §5.1). sdk/python/client.py runs the steps and checks the data itself;
 * each step is a subtest here. Set up with scripts/setup-sdk-clients.sh.
 */
import { describeSdkClient, requireSetup } from './sdk/harness.js';

const CLIENT = 'packages/server/test/clients/sdk/python/client.py';
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
  'presign-get-requests',
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
  title: 'official Python SDK V2 (alibabacloud-oss-v2)',
  name: 'python',
  steps: STEPS,
  // Path style: an IP endpoint, for which the SDK picks path style by itself. Virtual-hosted: the
  // SDK's default addressing, Host `sdk-python-vhost.localhost:PORT` (the client sends every
  // connection to 127.0.0.1, since *.localhost does not resolve everywhere).
  vhostDomain: 'localhost',
  prepare: () => [
    requireSetup('python', '.tmp/venv/bin/python', '.tmp/venv/.pail-stamp', ['packages/server/test/clients/sdk/python/requirements.txt']),
    CLIENT,
  ],
});
