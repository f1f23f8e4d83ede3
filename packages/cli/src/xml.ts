/**
 * Just enough XML for OSS response documents (ListBucketResult, InitiateMultipartUploadResult,
 * ListPartsResult, Error …): elements, text, CDATA, the five named entities and numeric
 * character references. Attributes are skipped (OSS documents carry none we need).
 * Response documents are small (≤ 1000 listing entries), so they are parsed whole; object
 * bytes never come through here.
 */

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, ent: string) => {
    if (ent[0] === '#') {
      const cp = ent[1] === 'x' ? Number.parseInt(ent.slice(2), 16) : Number.parseInt(ent.slice(1), 10);
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[ent] ?? m;
  });
}

/** Parses a document and returns its root element; throws on malformed input. */
export function parseXml(doc: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt === -1) {
      top.text += decodeEntities(doc.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(doc.slice(i, lt));
    if (doc.startsWith('<?', lt)) {
      i = indexOrThrow(doc, '?>', lt) + 2;
    } else if (doc.startsWith('<!--', lt)) {
      i = indexOrThrow(doc, '-->', lt) + 3;
    } else if (doc.startsWith('<![CDATA[', lt)) {
      const end = indexOrThrow(doc, ']]>', lt);
      top.text += doc.slice(lt + 9, end);
      i = end + 3;
    } else if (doc.startsWith('<!', lt)) {
      i = indexOrThrow(doc, '>', lt) + 1;
    } else if (doc[lt + 1] === '/') {
      const end = indexOrThrow(doc, '>', lt);
      const name = doc.slice(lt + 2, end).trim();
      if (top.name !== name) throw new Error(`malformed XML: </${name}> closes <${top.name}>`);
      stack.pop();
      i = end + 1;
    } else {
      const end = indexOrThrow(doc, '>', lt);
      const selfClosing = doc[end - 1] === '/';
      const inner = doc.slice(lt + 1, selfClosing ? end - 1 : end);
      const name = inner.split(/[\s]/, 1)[0]!;
      const el: XmlElement = { name, children: [], text: '' };
      top.children.push(el);
      if (!selfClosing) stack.push(el);
      i = end + 1;
    }
  }
  if (stack.length !== 1) throw new Error(`malformed XML: <${stack[stack.length - 1]!.name}> not closed`);
  const first = root.children[0];
  if (!first) throw new Error('malformed XML: no root element');
  return first;
}

function indexOrThrow(doc: string, needle: string, from: number): number {
  const at = doc.indexOf(needle, from);
  if (at === -1) throw new Error(`malformed XML: missing '${needle}'`);
  return at;
}

/** First child element called `name`, or undefined. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All child elements called `name`. */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Text of the first child called `name` (untrimmed: keys may have significant spaces). */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  return child(el, name)?.text;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}
