/**
 * Authorization: deny by default. Each `Authorizer` looks at one (action, resource) pair and
 * says allow, deny or abstain; an explicit deny from any authorizer wins, otherwise one allow
 * is enough, otherwise the request is denied (the RAM evaluation order: explicit deny, then
 * allow, then implicit deny). Every pair of an operation must be allowed.
 *
 * Authorizers today: the root key may do everything; bucket/object ACLs grant anyone
 * (anonymous included) read on `public-read` and read + object writes on `public-read-write`;
 * an object ACL `default` inherits the bucket's. RAM policies, bucket policies and STS session
 * policies are further authorizers over the same pairs.
 */
import type { AccessPair } from '../protocol/access.js';
import { parseResource } from '../protocol/access.js';
import type { BucketAcl, BucketRecord, ObjectAcl } from '../storage/types.js';
import type { Principal } from './keys.js';

export type Decision = 'allow' | 'deny' | 'abstain';

/** What authorizers may look at, fetched lazily and at most once per request. */
export interface ResourceState {
  bucket(name: string): Promise<BucketRecord | undefined>;
  /** The object's own ACL, or undefined when the object does not exist. */
  objectAcl(bucket: string, key: string): Promise<ObjectAcl | undefined>;
}

export interface Authorizer {
  readonly name: string;
  /**
   * Whether this authorizer ever answers 'deny'. Once a pair is allowed, only authorizers that
   * can deny are still consulted (an ACL lookup on every root request would cost a query).
   */
  readonly canDeny: boolean;
  decide(principal: Principal, pair: AccessPair, state: ResourceState): Decision | Promise<Decision>;
}

export const rootAuthorizer: Authorizer = {
  name: 'root',
  canDeny: false,
  decide: (principal) => (principal.kind === 'root' ? 'allow' : 'abstain'),
};

/** Actions a `public-read` ACL grants to everyone. */
export const ACL_READ_ACTIONS: ReadonlySet<string> = new Set(['oss:GetObject', 'oss:ListObjects']);
/** Object actions a `public-read-write` ACL additionally grants to everyone. */
export const ACL_WRITE_ACTIONS: ReadonlySet<string> = new Set([
  'oss:PutObject',
  'oss:DeleteObject',
  'oss:AbortMultipartUpload',
  'oss:ListParts',
]);

function grants(acl: BucketAcl, action: string, onObject: boolean): boolean {
  if (acl === 'private') return false;
  if (ACL_READ_ACTIONS.has(action)) return true;
  return acl === 'public-read-write' && onObject && ACL_WRITE_ACTIONS.has(action);
}

export const aclAuthorizer: Authorizer = {
  name: 'acl',
  canDeny: false,
  async decide(_principal, pair, state) {
    const r = parseResource(pair.resource);
    if (!r || r.kind === 'service') return 'abstain';
    const bucket = await state.bucket(r.bucket);
    if (!bucket) return 'abstain';
    let acl: BucketAcl = bucket.acl;
    if (r.kind === 'object' && r.key !== '*') {
      const own = await state.objectAcl(r.bucket, r.key);
      if (own !== undefined && own !== 'default') acl = own;
    }
    return grants(acl, pair.action, r.kind === 'object') ? 'allow' : 'abstain';
  },
};

export const DEFAULT_AUTHORIZERS: readonly Authorizer[] = [rootAuthorizer, aclAuthorizer];

export type AuthorizationResult = { readonly allowed: true } | { readonly allowed: false; readonly pair: AccessPair; readonly explicit: boolean };

export async function authorize(
  principal: Principal,
  pairs: readonly AccessPair[],
  state: ResourceState,
  authorizers: readonly Authorizer[] = DEFAULT_AUTHORIZERS,
): Promise<AuthorizationResult> {
  for (const pair of pairs) {
    let allowed = false;
    for (const a of authorizers) {
      if (allowed && !a.canDeny) continue;
      const d = await a.decide(principal, pair, state);
      if (d === 'deny') return { allowed: false, pair, explicit: true };
      if (d === 'allow') allowed = true;
    }
    if (!allowed) return { allowed: false, pair, explicit: false };
  }
  return { allowed: true };
}
