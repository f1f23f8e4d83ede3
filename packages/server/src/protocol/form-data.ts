/**
 * A streaming `multipart/form-data` reader (RFC 7578) for PostObject. Parts come one at a time;
 * a part's body is streamed, never buffered, so a 5 GB file field goes to the blob store chunk by
 * chunk. Work is linear in the body: each byte is searched for the delimiter at most twice (the
 * unsearched tail kept between chunks is shorter than the delimiter). Part headers are bounded.
 */
import { OssError } from '../errors/oss-error.js';

export interface FormPart {
  /** The field name (`Content-Disposition: form-data; name="…"`), as sent. */
  readonly name: string;
  /** Present for file inputs (`filename="…"`, possibly empty). */
  readonly filename?: string;
  readonly contentType?: string;
  /**
   * The part's bytes. Read it (or part of it) before asking the reader for the next part; what
   * is left unread is skipped. Chunks are not reused after they are yielded.
   */
  readonly body: AsyncIterable<Buffer>;
}

export interface FormLimits {
  /** Header block of one part. Default 8 KiB. */
  readonly maxHeaderBytes?: number;
  /** Bytes before the first boundary. Default 8 KiB. */
  readonly maxPreambleBytes?: number;
  /** Parts. Default 1000. */
  readonly maxParts?: number;
}

export function malformedForm(detail: string): OssError {
  return new OssError('MalformedPOSTRequest', { details: [['ErrorDetail', detail]] });
}

/** RFC 2046 §5.1.1: 1-70 characters from a restricted set. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * Splits `a; b="c;d"; e=f` at the semicolons outside quoted strings. Backslashes are literal, as
 * browsers write names (WHATWG: `"` is sent as `%22`, and old browsers send `C:\path\name`),
 * except that `\"` does not end a quoted string (curl escapes quotes that way).
 */
function parameters(value: string): { first: string; params: Map<string, string> } {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === '\\' && value[i + 1] === '"') {
      current += c + value[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  const params = new Map<string, string>();
  for (const item of items.slice(1)) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const name = item.slice(0, eq).trim().toLowerCase();
    let v = item.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replaceAll('\\"', '"');
    if (!params.has(name)) params.set(name, v);
  }
  return { first: items[0]!.trim().toLowerCase(), params };
}

/** The boundary of a `multipart/form-data` Content-Type, or undefined when it is not one. */
export function formBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const { first, params } = parameters(contentType);
  if (first !== 'multipart/form-data') return undefined;
  const b = params.get('boundary');
  return b !== undefined && BOUNDARY.test(b) ? b : undefined;
}

/** Pulls chunks from the body on demand and keeps what was not consumed yet. */
class Input {
  private buf: Buffer;
  private pos = 0;
  private ended = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(body: AsyncIterable<Uint8Array>, initial: Buffer) {
    this.it = body[Symbol.asyncIterator]();
    this.buf = initial;
  }

  get available(): Buffer {
    return this.buf.subarray(this.pos);
  }

  consume(n: number): void {
    this.pos += n;
  }

  /** Appends the next chunk; false at the end of the body. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    const rest = this.buf.subarray(this.pos);
    // Copies only when a (delimiter-sized) tail is pending; earlier chunks stay untouched.
    this.buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    this.pos = 0;
    return true;
  }
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Parts of a `multipart/form-data` body, in order. The generator ends at the closing boundary;
 * a body that ends before it is MalformedPOSTRequest.
 */
export async function* readFormData(body: AsyncIterable<Uint8Array>, boundary: string, limits: FormLimits = {}): AsyncGenerator<FormPart> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? 8 * 1024;
  const maxPreamble = limits.maxPreambleBytes ?? 8 * 1024;
  const maxParts = limits.maxParts ?? 1000;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first boundary has no CRLF before it: supply one, so every boundary is `delimiter`.
  const input = new Input(body, CRLF);

  const need = async (n: number): Promise<Buffer> => {
    while (input.available.length < n) if (!(await input.more())) throw malformedForm('the form data ends unexpectedly.');
    return input.available;
  };

  /** Streams the bytes up to the next delimiter (not consumed), yielding each chunk once. */
  async function* untilDelimiter(): AsyncGenerator<Buffer> {
    for (;;) {
      const avail = input.available;
      const at = avail.indexOf(delimiter);
      if (at >= 0) {
        if (at > 0) {
          input.consume(at);
          yield avail.subarray(0, at);
        }
        return;
      }
      const safe = avail.length - (delimiter.length - 1);
      if (safe > 0) {
        input.consume(safe);
        yield avail.subarray(0, safe);
      }
      if (!(await input.more())) throw malformedForm('the form data ends before its closing boundary.');
    }
  }

  // The body iterator is never returned early: for a Node request that would destroy the socket
  // the response still has to go out on. What is left unread is the HTTP layer's business.
  // Preamble (bounded): anything before the first boundary is ignored.
  let preamble = 0;
  for await (const chunk of untilDelimiter()) {
    preamble += chunk.length;
    if (preamble > maxPreamble) throw malformedForm('no boundary at the start of the form data.');
  }
  for (let parts = 0; ; parts++) {
    // At a delimiter: `--` closes the form; otherwise optional padding, then CRLF.
    input.consume(delimiter.length);
    let avail = await need(2);
    if (avail[0] === 0x2d && avail[1] === 0x2d) return;
    let skip = 0;
    for (;;) {
      avail = await need(skip + 2);
      if (avail[skip] === 0x20 || avail[skip] === 0x09) skip++;
      else break;
      if (skip > 64) throw malformedForm('a boundary line is too long.');
    }
    if (avail[skip] !== 0x0d || avail[skip + 1] !== 0x0a) throw malformedForm('a boundary is not followed by CRLF.');
    input.consume(skip + 2);
    if (parts >= maxParts) throw malformedForm(`the form has more than ${maxParts} fields.`);

    // Header block up to the empty line.
    let headerText: string;
    avail = await need(2);
    if (avail[0] === 0x0d && avail[1] === 0x0a) {
      headerText = '';
      input.consume(2);
    } else {
      let end: number;
      for (;;) {
        avail = input.available;
        end = avail.indexOf(HEADER_END);
        if (end >= 0) break;
        if (avail.length > maxHeaderBytes) throw malformedForm('the headers of a form field are too long.');
        if (!(await input.more())) throw malformedForm('the form data ends inside the headers of a field.');
      }
      if (end > maxHeaderBytes) throw malformedForm('the headers of a form field are too long.');
      headerText = avail.subarray(0, end).toString('utf8');
      input.consume(end + HEADER_END.length);
    }
    let name: string | undefined;
    let filename: string | undefined;
    let contentType: string | undefined;
    for (const line of headerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const field = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (field === 'content-disposition') {
        const { first, params } = parameters(value);
        if (first !== 'form-data') throw malformedForm('a field is not form-data.');
        name = params.get('name');
        filename = params.get('filename');
      } else if (field === 'content-type') contentType = value;
    }
    if (name === undefined) throw malformedForm('a field has no name.');
    const part = untilDelimiter();
    yield {
      name,
      ...(filename === undefined ? {} : { filename }),
      ...(contentType === undefined ? {} : { contentType }),
      body: part,
    };
    // Whatever the consumer left unread (or abandoned) is skipped up to the next delimiter.
    for await (const skipped of untilDelimiter()) void skipped;
  }
}

/** A non-file field's value as UTF-8 text, refusing more than `limit` bytes. */
export async function readFieldText(part: FormPart, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of part.body) {
    n += chunk.length;
    if (n > limit) throw malformedForm(`the form field ${part.name} is longer than ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, n).toString('utf8');
}
