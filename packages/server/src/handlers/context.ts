/**
 * What a handler gets: the authenticated, authorized request. Handlers never re-check
 * authentication or authorization (style-anchors.md rule 5); they validate their own
 * parameters, call storage and describe the response. The one exception is access the route
 * cannot name: keys in a DeleteMultipleObjects body, a symlink's target, a PostObject form's key
 * and signer. Those go through `authorize`, the pipeline's own authorizers.
 */
import type { Readable } from 'node:stream';
import type { AccessKeyStore, Principal } from '../auth/keys.js';
import type { CoreRequest } from '../core.js';
import type { Logger } from '../log.js';
import type { AccessPair } from '../protocol/access.js';
import type { Operation } from '../protocol/operations.js';
import type { ParsedRequest } from '../protocol/request.js';
import type { BucketRecord, ObjectReader, ObjectRecord, Storage } from '../storage/types.js';

/**
 * The object reads of one request, shared with authorization: a row the ACL authorizer already
 * read is not read again (the presigned or public GET reads its object row once).
 */
export interface RequestObjects {
  /** The object's record as this request first read it (undefined: no such object). Reads only. */
  record(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** `Storage.openObject`, or the reader authorization already opened; the caller releases it. */
  open(bucket: string, key: string): Promise<ObjectReader | undefined>;
}

export interface HandlerContext<O extends Operation = Operation> {
  readonly op: O;
  readonly req: CoreRequest;
  readonly parsed: ParsedRequest;
  readonly principal: Principal;
  /** The addressed bucket; present for every bucket/object operation except PutBucket. */
  readonly bucket: BucketRecord | undefined;
  readonly storage: Storage;
  readonly objects: RequestObjects;
  /** Request time from the injectable clock (ms). */
  readonly now: number;
  readonly requestId: string;
  /** The bare region served (`cn-hangzhou`). */
  readonly region: string;
  /** The Host the request addressed, as received. */
  readonly hostId: string;
  readonly log: Logger;
  /** Request body bytes stored, for the access log. */
  bytesIn: number;
  /**
   * Authorizes pairs known only once the handler has read the request (for `principal`, default
   * the request's): resolves, or throws the 403 the pipeline would have answered.
   */
  readonly authorize: (pairs: readonly AccessPair[], principal?: Principal) => Promise<void>;
  /** The access keys (PostObject verifies its form's signature itself). */
  readonly keys: AccessKeyStore;
}

export interface HandlerResult {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** null/undefined: no body. */
  readonly body?: Buffer | Readable | null;
  /** Called once the response is written or abandoned (releases storage leases). */
  readonly release?: () => void;
}

export type Handler<O extends Operation> = (ctx: HandlerContext<O>) => Promise<HandlerResult>;
