/**
 * The ali-oss workflow (workflow.ts) with `authorizationV4: false` (ali-oss's default): every SDK
 * request signed with the legacy HMAC-SHA1 `OSS AK:sig` header, path-style via `sldEnable`.
 */
import { describeWorkflow } from './workflow.js';

describeWorkflow('v1');
