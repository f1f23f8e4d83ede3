/**
 * Part of the ali-oss workflow with virtual-hosted addressing: `endpoint: http://localhost:PORT`
 * WITHOUT `sldEnable`, so ali-oss sends `Host: <bucket>.localhost:PORT` and `/key` paths, and
 * service calls (ListBuckets) to `localhost:PORT`. `*.localhost` does not resolve everywhere, so
 * the client gets an http.Agent whose `lookup` maps every name to 127.0.0.1 (alioss-wire §1.2).
 */
import { describeWorkflow } from './workflow.js';

const VHOST_STEPS = [
  'put-bucket',
  'list-buckets',
  'bucket-info',
  'bucket-acl',
  'put-buffer',
  'get-range',
  'head',
  'nasty-keys',
  'dot-segment-keys',
  'list-tree',
  'presigned',
  'errors',
];

describeWorkflow('v4', { addressing: 'virtual-hosted', only: VHOST_STEPS });
describeWorkflow('v1', { addressing: 'virtual-hosted', only: VHOST_STEPS });
