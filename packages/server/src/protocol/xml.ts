/**
 * Minimal XML: an escaping writer for response documents and a small, strict reader for the
 * few request bodies OSS defines (CreateBucketConfiguration now; CompleteMultipartUpload,
 * Delete, Tagging later). No DTDs, no entities beyond the five predefined ones and numeric
 * character references, so no entity-expansion attacks.
 */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };
const NEEDS_ESCAPE = /[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
const ESCAPE_G = /[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/**
 * Text for element content. CR is written as `&#13;` (a parser would turn a literal CR into LF).
 * Characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF)
 * become U+FFFD, so every document stays well-formed: keys cannot contain them
 * (protocol/names.ts); what is left is echoed input (a `prefix`, an `ArgumentValue`).
 */
export function escapeXml(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(ESCAPE_G, (c) => ESCAPES[c] ?? '\ufffd') : s;
}

/** A child element: a leaf with text, a nested list, or nothing (omitted). */
export type XmlNode = readonly [name: string, content: string | number | boolean | readonly XmlNode[]] | null | undefined | false;

function write(out: string[], nodes: readonly XmlNode[], indent: string): void {
  for (const node of nodes) {
    if (!node) continue;
    const [name, content] = node;
    if (typeof content === 'object') {
      out.push(`${indent}<${name}>\n`);
      write(out, content, indent + '  ');
      out.push(`${indent}</${name}>\n`);
    } else {
      out.push(`${indent}<${name}>${escapeXml(String(content))}</${name}>\n`);
    }
  }
}

/**
 * A whole document: XML declaration, then the root element, pretty-printed with two spaces as
 * current OSS responses are (oss-signature.md §4.1). Whitespace is not significant to SDK parsers.
 */
export function xmlDocument(root: string, children: readonly XmlNode[]): Buffer {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n', `<${root}>\n`];
  write(out, children, '  ');
  out.push(`</${root}>\n`);
  return Buffer.from(out.join(''), 'utf8');
}

/** A parsed element: name, attributes ignored, text content and child elements. */
export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const NAME = /^[A-Za-z_][\w.:-]*/;

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new XmlSyntaxError('bare & in text');
    switch (ent) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const cp = ent[1] === 'x' ? Number.parseInt(ent.slice(2), 16) : Number.parseInt(ent.slice(1), 10);
    // Well-formedness constraint "Legal Character" (XML 1.0 §4.1): only `Char`s may be referenced.
    const legal = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!legal) throw new XmlSyntaxError(`bad character reference ${m}`);
    return String.fromCodePoint(cp);
  });
}

/** Parses a small XML document into its root element. Throws XmlSyntaxError. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && /\s/.test(text[i]!)) i++;
  };
  // Prolog: optional BOM, XML declaration, comments, processing instructions.
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const skipMisc = () => {
    for (;;) {
      skipWs();
      if (text.startsWith('<?', i)) {
        const end = text.indexOf('?>', i);
        if (end < 0) throw new XmlSyntaxError('unterminated processing instruction');
        i = end + 2;
      } else if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end < 0) throw new XmlSyntaxError('unterminated comment');
        i = end + 3;
      } else if (text.startsWith('<!', i)) {
        throw new XmlSyntaxError('DTDs are not accepted');
      } else return;
    }
  };
  skipMisc();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < n) {
    if (text[i] === '<') {
      if (text.startsWith('<!--', i)) {
        const end = text.indexOf('-->', i);
        if (end < 0) throw new XmlSyntaxError('unterminated comment');
        i = end + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        const end = text.indexOf(']]>', i);
        if (end < 0 || stack.length === 0) throw new XmlSyntaxError('bad CDATA section');
        stack[stack.length - 1]!.text += text.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      if (text[i + 1] === '/') {
        const m = NAME.exec(text.slice(i + 2, i + 2 + 256));
        const top = stack.pop();
        if (!m || !top || m[0] !== top.name) throw new XmlSyntaxError('mismatched end tag');
        i += 2 + m[0].length;
        skipWs();
        if (text[i] !== '>') throw new XmlSyntaxError('bad end tag');
        i++;
        if (stack.length === 0) {
          root = top;
          break;
        }
        continue;
      }
      const m = NAME.exec(text.slice(i + 1, i + 1 + 256));
      if (!m) throw new XmlSyntaxError('bad start tag');
      if (stack.length === 0 && root) throw new XmlSyntaxError('more than one root element');
      const el: XmlElement = { name: m[0], children: [], text: '' };
      i += 1 + m[0].length;
      // Attributes (e.g. xmlns) are skipped, but must be well formed.
      for (;;) {
        skipWs();
        if (text.startsWith('/>', i)) {
          i += 2;
          if (stack.length === 0) {
            root = el;
          } else stack[stack.length - 1]!.children.push(el);
          break;
        }
        if (text[i] === '>') {
          i++;
          if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
          stack.push(el);
          break;
        }
        const a = NAME.exec(text.slice(i, i + 256));
        if (!a) throw new XmlSyntaxError('bad attribute');
        i += a[0].length;
        skipWs();
        if (text[i] !== '=') throw new XmlSyntaxError('bad attribute');
        i++;
        skipWs();
        const q = text[i];
        if (q !== '"' && q !== "'") throw new XmlSyntaxError('bad attribute value');
        const end = text.indexOf(q, i + 1);
        if (end < 0) throw new XmlSyntaxError('unterminated attribute value');
        i = end + 1;
      }
      if (root && stack.length === 0) break;
      continue;
    }
    const next = text.indexOf('<', i);
    const end = next < 0 ? n : next;
    const chunk = text.slice(i, end);
    if (stack.length === 0) {
      if (chunk.trim() !== '') throw new XmlSyntaxError('text outside the root element');
    } else stack[stack.length - 1]!.text += decodeEntities(chunk);
    i = end;
  }
  if (!root || stack.length > 0) throw new XmlSyntaxError('unterminated document');
  skipMisc();
  if (i < n) throw new XmlSyntaxError('content after the root element');
  return root;
}

/** The first child named `name`, or undefined. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
