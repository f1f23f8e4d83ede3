/**
 * Looks inside a Pail data directory after the process is gone (or idle): which blob files
 * exist, which ones the metadata references, what is left over (temp files, orphans, unknown
 * files), and whether any file is named after an object key.
 *
 * The metadata is read with better-sqlite3 in read-only mode and schema-agnostically: every text
 * or blob cell of every table is split into tokens and matched against the blob file names, so
 * the check does not depend on how the storage layer lays out its tables.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import Database from 'better-sqlite3';

export interface DataDirReport {
  /** Blob files: path relative to the data dir → blob id candidates (basename, and path without separators). */
  readonly blobFiles: string[];
  readonly tempFiles: string[];
  readonly metaFiles: string[];
  readonly otherFiles: string[];
  readonly referencedPresent: number;
  /** Blob files no metadata cell mentions. */
  readonly orphans: string[];
  /** Blob ids mentioned by the metadata that have no file (lost data!) — only ids that look like existing ids' shape. */
  readonly totalBytes: number;
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const META_RE = /(^|\/)meta\.db(-wal|-shm|-journal)?$/;
const TEMP_RE = /(^|\/)(tmp|temp|\.tmp|incoming|staging)(\/|$)|\.tmp$|\.part$|\.partial$|^\.?tmp[-_.]|(^|\/)\.[^/]*tmp/i;

function isBlobPath(rel: string): boolean {
  return rel.split(sep).includes('blobs');
}

export function classify(dataDir: string): { blobFiles: string[]; tempFiles: string[]; metaFiles: string[]; otherFiles: string[]; totalBytes: number } {
  const blobFiles: string[] = [];
  const tempFiles: string[] = [];
  const metaFiles: string[] = [];
  const otherFiles: string[] = [];
  let totalBytes = 0;
  for (const abs of walk(dataDir)) {
    const rel = relative(dataDir, abs);
    try {
      totalBytes += statSync(abs).size;
    } catch {
      // raced with a delete
    }
    if (META_RE.test(rel)) metaFiles.push(rel);
    else if (TEMP_RE.test(rel) || TEMP_RE.test(basename(rel))) tempFiles.push(rel);
    else if (isBlobPath(rel)) blobFiles.push(rel);
    else otherFiles.push(rel);
  }
  return { blobFiles, tempFiles, metaFiles, otherFiles, totalBytes };
}

/** Every token (run of [A-Za-z0-9_.-]) of every text/blob cell of every table. */
export function metadataTokens(dbPath: string): Set<string> {
  const tokens = new Set<string>();
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw(true).iterate() as Iterable<unknown[]>;
      for (const row of rows) {
        for (const cell of row) {
          let s: string | undefined;
          if (typeof cell === 'string') s = cell;
          else if (Buffer.isBuffer(cell)) s = cell.toString('latin1');
          if (s === undefined) continue;
          for (const t of s.split(/[^A-Za-z0-9_.-]+/)) if (t.length >= 6) tokens.add(t);
        }
      }
    }
  } finally {
    db.close();
  }
  return tokens;
}

/** Blob id candidates for a blob file path: its basename, and its path below blobs/ without separators (sharded layouts). */
export function blobIdCandidates(rel: string): string[] {
  const parts = rel.split(sep);
  const i = parts.lastIndexOf('blobs');
  const below = parts.slice(i + 1);
  const base = below[below.length - 1] ?? '';
  const noExt = base.replace(/\.[A-Za-z0-9]+$/, '');
  return [...new Set([base, noExt, below.join(''), below.join('').replace(/\.[A-Za-z0-9]+$/, ''), below.join('/')])];
}

export function inspectDataDir(dataDir: string): DataDirReport {
  const c = classify(dataDir);
  const dbPath = join(dataDir, 'meta.db');
  const tokens = existsSync(dbPath) ? metadataTokens(dbPath) : new Set<string>();
  const orphans: string[] = [];
  let referencedPresent = 0;
  for (const rel of c.blobFiles) {
    if (blobIdCandidates(rel).some((id) => tokens.has(id))) referencedPresent++;
    else orphans.push(rel);
  }
  return { ...c, referencedPresent, orphans };
}
