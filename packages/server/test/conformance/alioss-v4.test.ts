/**
 * The ali-oss workflow (workflow.ts) with `authorizationV4: true`: every SDK request signed with
 * OSS4-HMAC-SHA256, path-style via `sldEnable` (alioss-wire §0).
 */
import { describeWorkflow } from './workflow.js';

describeWorkflow('v4');
