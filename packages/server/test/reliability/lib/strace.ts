/**
 * Parses `strace -f -yy -o FILE` output into syscall events with their entry and exit order, so a
 * test can say "this fsync had returned before that rename started" across the libuv threads.
 * Lines: `PID name(args) = ret`, `PID name(args <unfinished ...>`, `PID <... name resumed>rest) = ret`.
 */

export interface Syscall {
  readonly pid: number;
  readonly name: string;
  /** Raw argument text (entry part + resumed part). */
  readonly args: string;
  readonly ret: string;
  /** Order of the entry line / the completing line in the trace (global). */
  readonly start: number;
  readonly end: number;
  /** `<path>` of the first fd argument when strace annotated it (-y/-yy). */
  readonly fdPath?: string;
  /** For rename/renameat/renameat2: source and destination paths. */
  readonly from?: string;
  readonly to?: string;
}

const COMPLETE = /^(\d+)\s+([a-z0-9_]+)\((.*)\)\s+=\s+(.*)$/;
const UNFINISHED = /^(\d+)\s+([a-z0-9_]+)\((.*) <unfinished \.\.\.>$/;
const RESUMED = /^(\d+)\s+<\.\.\. ([a-z0-9_]+) resumed>(.*)\)\s+=\s+(.*)$/;

function decorate(name: string, args: string): { fdPath?: string; from?: string; to?: string } {
  const out: { fdPath?: string; from?: string; to?: string } = {};
  const fd = /^\d+<([^>]*)>/.exec(args);
  if (fd) out.fdPath = fd[1];
  if (name.startsWith('rename')) {
    const strs = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
    if (strs.length >= 2) {
      out.from = strs[0];
      out.to = strs[1];
    }
  }
  return out;
}

export function parseStrace(text: string, fromLine = 0): Syscall[] {
  const lines = text.split('\n');
  const pending = new Map<number, { name: string; args: string; start: number }>();
  const out: Syscall[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let m = RESUMED.exec(line);
    if (m) {
      const pid = Number(m[1]);
      const p = pending.get(pid);
      pending.delete(pid);
      if (!p || i < fromLine) continue;
      const args = p.args + m[3];
      out.push({ pid, name: m[2]!, args, ret: m[4]!, start: p.start, end: i, ...decorate(m[2]!, args) });
      continue;
    }
    m = UNFINISHED.exec(line);
    if (m) {
      pending.set(Number(m[1]), { name: m[2]!, args: m[3]!, start: i });
      continue;
    }
    m = COMPLETE.exec(line);
    if (m && i >= fromLine) {
      out.push({ pid: Number(m[1]), name: m[2]!, args: m[3]!, ret: m[4]!, start: i, end: i, ...decorate(m[2]!, m[3]!) });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

export const isSync = (s: Syscall): boolean => s.name === 'fsync' || s.name === 'fdatasync';
export const isRename = (s: Syscall): boolean => s.name === 'rename' || s.name === 'renameat' || s.name === 'renameat2';
export const isSocketWrite = (s: Syscall): boolean => (s.name === 'write' || s.name === 'writev') && /^TCP/.test(s.fdPath ?? '');

export function describeSyscall(s: Syscall): string {
  return `[${s.start}..${s.end}] ${s.pid} ${s.name}(${s.args.slice(0, 140)}) = ${s.ret}`;
}
