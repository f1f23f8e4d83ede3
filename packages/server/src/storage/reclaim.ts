/**
 * Deferred deletion of orphaned blobs. A blob that lost its last metadata reference (overwrite,
 * delete, replaced part, abort) may still be read: by a GET streaming it under a lease, or by a
 * GET that has looked the old record up but not leased it yet. Deleting the file only when
 * neither can happen keeps every in-flight read on the bytes it started with, on any BlobStore
 * (an open fd surviving unlink covers only the streaming part, and only on POSIX disks).
 */
export class BlobReclaimer {
  /** blob id → number of readers holding it. */
  private readonly leases = new Map<string, number>();
  /** Orphaned blob id → the newest lookup that started before it was orphaned. */
  private readonly waiting = new Map<string, number>();
  /** Lookups in progress, by sequence number; a Set iterates in insertion (= ascending) order. */
  private readonly lookups = new Set<number>();
  private lookupSeq = 0;
  private readonly deleting = new Set<Promise<void>>();

  constructor(
    private readonly remove: (blobId: string) => Promise<void>,
    private readonly onDeleted: (blobId: string) => void = () => {},
  ) {}

  /**
   * Call before reading the metadata whose blobs will be leased; call the returned function once
   * they are leased (or not found). Blobs orphaned meanwhile wait for it.
   */
  beginLookup(): () => void {
    const seq = ++this.lookupSeq;
    this.lookups.add(seq);
    return () => {
      if (this.lookups.delete(seq)) this.reclaim();
    };
  }

  /** Holds `blobIds` until the returned (idempotent) release function is called. */
  lease(blobIds: Iterable<string>): () => void {
    const ids = [...new Set(blobIds)];
    for (const id of ids) this.leases.set(id, (this.leases.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const count = this.leases.get(id)! - 1;
        if (count === 0) this.leases.delete(id);
        else this.leases.set(id, count);
      }
      this.reclaim();
    };
  }

  /** Blobs that lost their last reference: deleted as soon as no reader can reach them. */
  orphaned(blobIds: Iterable<string>): void {
    for (const id of blobIds) this.waiting.set(id, this.lookupSeq);
    this.reclaim();
  }

  /** Whether a reader holds the blob or may still lease it (the startup sweep skips those). */
  holds(blobId: string): boolean {
    return this.leases.has(blobId) || this.waiting.has(blobId);
  }

  /** Deletes a blob now and reports it. Failures are left for the next startup sweep. */
  deleteNow(blobId: string): Promise<void> {
    const deletion: Promise<void> = this.remove(blobId)
      .then(
        () => this.onDeleted(blobId),
        () => {},
      )
      .finally(() => this.deleting.delete(deletion));
    this.deleting.add(deletion);
    return deletion;
  }

  /** Resolves when no deletion is running; blobs still leased keep waiting. */
  async drain(): Promise<void> {
    while (this.deleting.size > 0) await Promise.all(this.deleting);
  }

  private reclaim(): void {
    if (this.waiting.size === 0) return;
    const oldestLookup = this.lookups.values().next().value ?? Number.POSITIVE_INFINITY;
    for (const [id, seq] of this.waiting) {
      if (this.leases.has(id) || oldestLookup <= seq) continue;
      this.waiting.delete(id);
      void this.deleteNow(id);
    }
  }
}
