/** Small shared helpers for the reliability harnesses: seeds, a seeded PRNG, argv/env knobs. */
import { createHash } from 'node:crypto';

/**
 * The seed every randomised harness prints first, so a failure can be replayed:
 * `PAIL_SEED=<n>` (or `--seed <n>`) fixes it; otherwise it is fixed per suite run (CI) unless
 * `PAIL_RANDOM_SEED=1` asks for a fresh one.
 */
export function chooseSeed(label: string, fallback: number): number {
  const fromArg = argValue('--seed');
  const raw = fromArg ?? process.env.PAIL_SEED;
  let seed: number;
  if (raw !== undefined && raw !== '') seed = Number.parseInt(raw, 10) >>> 0;
  else if (process.env.PAIL_RANDOM_SEED === '1') seed = (Math.random() * 2 ** 32) >>> 0;
  else seed = fallback >>> 0;
  console.log(`# ${label}: seed ${seed} (replay with PAIL_SEED=${seed})`);
  return seed;
}

/** `--name value` from argv (node --test passes none, so env vars are the CI knobs). */
export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(name + '='));
  return eq?.slice(name.length + 1);
}

export function numberKnob(arg: string, env: string, fallback: number): number {
  const raw = argValue(arg) ?? process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${arg}/${env}: not a number: ${raw}`);
  return n;
}

/** xoshiro128** — deterministic, fast, enough for workload choices. */
export class Rng {
  private s: Uint32Array;
  constructor(seed: number) {
    // splitmix32 to spread the seed over the state
    this.s = new Uint32Array(4);
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
  /** [0, 1) */
  next(): number {
    return this.nextU32() / 2 ** 32;
  }
  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  /** Deterministic pseudo-random bytes (cheap: a hash chain, not crypto). */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let seed = Buffer.alloc(8);
    seed.writeUInt32LE(this.nextU32(), 0);
    seed.writeUInt32LE(this.nextU32(), 4);
    let off = 0;
    while (off < n) {
      seed = createHash('sha512').update(seed).digest();
      off += seed.copy(out, off);
    }
    return out;
  }
  token(len = 8): string {
    const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < len; i++) s += abc[this.int(0, abc.length - 1)];
    return s;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex').toUpperCase();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Percentile of a sorted-or-not numeric sample (nearest rank). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

// CRC-64/XZ (OSS `x-oss-hash-crc64ecma`), reflected poly 0xC96C5795D7870F42, as two 32-bit halves.
const CRC_LO = new Uint32Array(256);
const CRC_HI = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      lo = (lo ^ 0xd7870f42) >>> 0;
      hi = (hi ^ 0xc96c5795) >>> 0;
    }
  }
  CRC_LO[i] = lo;
  CRC_HI[i] = hi;
}

/** CRC-64/XZ of `data` as an unsigned decimal string (independent of the server's crc64.ts). */
export function crc64(data: Uint8Array): string {
  let lo = 0xffffffff;
  let hi = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ CRC_LO[idx]!) >>> 0;
    hi = ((hi >>> 8) ^ CRC_HI[idx]!) >>> 0;
  }
  return ((BigInt((hi ^ 0xffffffff) >>> 0) << 32n) | BigInt((lo ^ 0xffffffff) >>> 0)).toString();
}
