/**
 * A tiny bounded LRU on `Map` insertion order. Used for derived V4 signing keys: they depend
 * only on (secret, day, region, product) (oss-signature.md §2.3), so one derivation serves a
 * whole day of signatures.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  private last: string | undefined;

  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined && k !== this.last) {
      // Re-insert so the entry becomes the most recently used (skipped when it already is).
      this.map.delete(k);
      this.map.set(k, v);
      this.last = k;
    }
    return v;
  }

  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    this.last = k;
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(k: string): void {
    this.map.delete(k);
    this.last = undefined;
  }
}
