/**
 * A tiny bounded LRU on `Map` insertion order. Used for derived V4 signing keys: they depend
 * only on (secret, day, region, product) (oss-signature.md §2.3), so one derivation serves a
 * whole day of signatures.
 */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) this.set(k, v);
    return v;
  }

  set(k: string, v: V): void {
    // Re-insertion makes the entry the most recently used.
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  delete(k: string): void {
    this.map.delete(k);
  }
}
