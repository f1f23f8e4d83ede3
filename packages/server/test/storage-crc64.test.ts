/**
 * CRC-64/XZ (`x-oss-hash-crc64ecma`). Expected values come from outside this code: the catalogue
 * check value for "123456789", and CheckVal printed by `xz -C crc64 | xz -lvv` for the others.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Crc64, crc64, crc64Combine } from '../src/storage/crc64.js';
import { prng } from './storage-contract.js';

/** Bit-at-a-time reference straight from the definition (reflected 0xC96C5795D7870F42). */
function referenceCrc64(data: Uint8Array): bigint {
  const mask = (1n << 64n) - 1n;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ 0xc96c5795d7870f42n : crc >> 1n;
  }
  return crc ^ mask;
}

function randomBytes(rand: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

describe('crc64', () => {
  it('matches known vectors', () => {
    assert.equal(crc64(Buffer.alloc(0)), 0n);
    assert.equal(crc64(Buffer.from('123456789')), 11051210869376104954n);
    assert.equal(crc64(Buffer.from('a')), 0x330284772e652b05n);
    assert.equal(crc64(Buffer.from('The quick brown fox jumps over the lazy dog')), 0x5b5eb8c2e54aa1c4n);
    const big = Buffer.alloc(1_000_003);
    for (let i = 0; i < big.length; i++) big[i] = Math.imul(i, 2654435761) >>> 24;
    assert.equal(crc64(big), 0xc1406e39f018a42en);
  });

  it('agrees with the bitwise definition at every length and alignment', () => {
    const rand = prng(64);
    const data = randomBytes(rand, 300);
    for (let offset = 0; offset < 8; offset++) {
      for (const length of [0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 100, 255, 291]) {
        const view = data.subarray(offset, offset + length);
        assert.equal(crc64(view), referenceCrc64(view), `offset ${offset} length ${length}`);
      }
    }
  });

  it('streams: any split into updates, and resuming from a finished value, gives the same CRC', () => {
    const rand = prng(65);
    const data = randomBytes(rand, 5000);
    const whole = crc64(data);
    for (let trial = 0; trial < 50; trial++) {
      const hasher = new Crc64();
      for (let at = 0; at < data.length; ) {
        const next = Math.min(data.length, at + Math.floor(rand() * 700));
        hasher.update(data.subarray(at, next));
        at = next;
      }
      assert.equal(hasher.digest(), whole);
    }
    assert.equal(crc64(data.subarray(1234), crc64(data.subarray(0, 1234))), whole);
    const hasher = new Crc64().update(data.subarray(0, 10));
    assert.equal(hasher.digest(), crc64(data.subarray(0, 10)), 'digest does not end the stream');
    assert.equal(hasher.update(data.subarray(10)).digest(), whole);
  });

  it('combines CRCs of pieces into the CRC of their concatenation', () => {
    const rand = prng(66);
    for (const [lenA, lenB] of [
      [0, 0],
      [0, 5],
      [5, 0],
      [1, 1],
      [17, 4096],
      [1000, 1],
      [3, 65_537],
    ] as const) {
      const a = randomBytes(rand, lenA);
      const b = randomBytes(rand, lenB);
      assert.equal(crc64Combine(crc64(a), crc64(b), lenB), crc64(Buffer.concat([a, b])), `${lenA}+${lenB}`);
    }
    // Multipart-style chaining over many parts, with a length given as bigint.
    const parts = Array.from({ length: 20 }, () => randomBytes(rand, Math.floor(rand() * 3000)));
    let combined = 0n;
    for (const part of parts) combined = crc64Combine(combined, crc64(part), BigInt(part.length));
    assert.equal(combined, crc64(Buffer.concat(parts)));
    // Lengths far beyond the test data: combining is associative, (A‖B)‖C = A‖(B‖C).
    const [a, b, c] = [crc64(parts[0]!), crc64(parts[1]!), crc64(parts[2]!)];
    const [lenB, lenC] = [5n * 2n ** 40n + 3n, 2n ** 33n + 12345n];
    assert.equal(
      crc64Combine(crc64Combine(a, b, lenB), c, lenC),
      crc64Combine(a, crc64Combine(b, c, lenC), lenB + lenC),
    );
    assert.throws(() => crc64Combine(1n, 2n, -1), RangeError);
  });
});
