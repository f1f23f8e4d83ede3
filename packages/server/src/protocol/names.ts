/** Bucket and object naming rules (OSS "Bucket naming conventions", "Object naming"). */
import { OssError } from '../errors/oss-error.js';

const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** 3-63 characters of `a-z 0-9 -`, starting and ending with a letter or digit (EC 0015-00000001). */
export function isValidBucketName(name: string): boolean {
  return BUCKET.test(name);
}

export function checkBucketName(name: string): void {
  if (!isValidBucketName(name)) {
    throw new OssError('InvalidBucketName', { details: [['BucketName', name]] });
  }
}

export const MAX_KEY_BYTES = 1023;

/**
 * Characters XML 1.0 cannot carry, not even as character references: the C0 controls other than
 * tab, LF and CR, and U+FFFE/U+FFFF (XML 1.0 §2.2 `Char`).
 */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * 1..1023 UTF-8 bytes, not starting with `/` or `\` (EC 0016-00000002/3), and (Pail's choice,
 * docs/compatibility.md) no character XML 1.0 cannot carry: a key with one would make every
 * listing without `encoding-type=url` unreadable. Everything else is allowed and kept verbatim:
 * `a/../b`, `./x`, `a//b`, tab and line breaks are distinct keys.
 */
export function checkObjectKey(key: string): void {
  if (key.length === 0) {
    throw new OssError('InvalidObjectName', { message: 'The Object name can not be empty', ec: '0016-00000001' });
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new OssError('InvalidObjectName', { message: 'The Length of Object name must be less than 1024', ec: '0016-00000003' });
  }
  const c = key.charCodeAt(0);
  if (c === 47 || c === 92) {
    throw new OssError('InvalidObjectName', { message: 'The specified object is not valid.', ec: '0016-00000002' });
  }
  if (NOT_XML.test(key)) {
    throw new OssError('InvalidObjectName', { message: 'The Object name can not contain control characters.', ec: '0016-00000002' });
  }
}
