/**
 * Key order and the listing walk shared by every MetadataStore (ListObjects and
 * ListMultipartUploads). Keys order by UTF-8 bytes, which is Unicode code point order; JS `<`
 * compares UTF-16 code units and disagrees for astral characters vs U+E000..U+FFFF.
 */

/** Compares two keys by their UTF-8 bytes (code point order). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) sort after U+E000..U+FFFF in code point order:
      // move E000..FFFF down to D800..F7FF and surrogates up to F800..FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * The smallest string greater than every string starting with `prefix`, or undefined when there
 * is none (empty, or only U+10FFFF). Incrementing the last code point (skipping surrogates) keeps
 * the bound valid UTF-8, unlike incrementing its last byte.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  let end = prefix.length;
  while (end > 0) {
    const low = prefix.charCodeAt(end - 1);
    const high = end >= 2 ? prefix.charCodeAt(end - 2) : 0;
    const width = low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? 2 : 1;
    const cp = prefix.codePointAt(end - width)!;
    if (cp < 0x10ffff) {
      return prefix.slice(0, end - width) + String.fromCodePoint(cp === 0xd7ff ? 0xe000 : cp + 1);
    }
    end -= width;
  }
  return undefined;
}

/** Where a scan starts: at `key` (inclusive) or just after it. */
export interface ScanBound {
  readonly key: string;
  readonly inclusive: boolean;
}

/**
 * Rows with keys from `from` up to `upper` (exclusive; none when undefined), ascending. Consumed
 * lazily and abandoned early, so an implementation must not read ahead much more than `limit`
 * rows, which is enough to finish the page.
 */
export type RangeScan<R> = (from: ScanBound, upper: string | undefined, limit: number) => Iterable<R>;

export interface ListingWalk<R> {
  readonly items: R[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
  /** The last key or common prefix returned. */
  readonly nextAfter?: string;
  /** Whether the page ended on a common prefix rather than an item. */
  readonly endedOnPrefix: boolean;
}

/**
 * One page of a prefix/delimiter listing after `after` (exclusive). Each key containing the
 * delimiter past the prefix rolls up into a common prefix; instead of reading the rest of that
 * group, the walk seeks to `prefixSuccessor(commonPrefix)`, so a page costs about `maxKeys`
 * rows however many keys each common prefix hides. A common prefix equal to `after` (the
 * previous page's NextMarker) is not returned again.
 */
export function walkListing<R>(
  query: { readonly prefix: string; readonly delimiter: string; readonly after: string; readonly maxKeys: number },
  keyOf: (row: R) => string,
  scan: RangeScan<R>,
): ListingWalk<R> {
  const { prefix, delimiter, after, maxKeys } = query;
  const items: R[] = [];
  const commonPrefixes: string[] = [];
  let count = 0;
  let nextAfter: string | undefined;
  let endedOnPrefix = false;
  let isTruncated = false;
  const upper = prefixSuccessor(prefix);
  let from: ScanBound | undefined =
    compareKeys(prefix, after) > 0 ? { key: prefix, inclusive: true } : { key: after, inclusive: false };

  while (from !== undefined) {
    const bound: ScanBound = from;
    from = undefined;
    for (const row of scan(bound, upper, maxKeys - count + 1)) {
      if (count === maxKeys) {
        isTruncated = true;
        break;
      }
      const key = keyOf(row);
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (at < 0) {
        items.push(row);
        count++;
        nextAfter = key;
        endedOnPrefix = false;
        continue;
      }
      const common = key.slice(0, at + delimiter.length);
      if (common !== after) {
        commonPrefixes.push(common);
        count++;
        nextAfter = common;
        endedOnPrefix = true;
      }
      const successor = prefixSuccessor(common);
      // No successor: every remaining key is inside this common prefix.
      if (successor !== undefined) from = { key: successor, inclusive: true };
      break;
    }
  }
  return { items, commonPrefixes, isTruncated, nextAfter, endedOnPrefix };
}
