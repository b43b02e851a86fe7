/**
 * Creations and deletions the simulator issued but its caches have not seen yet (controller-runtime's
 * "expectations"). Without them a reconcile that runs before the watch delivers its own last write would
 * create a second Machine or delete one machine too many. An expectation ends when the watch shows the
 * object (created / deleting / gone) or after a timeout, so a lost event cannot block an owner forever.
 */
const TIMEOUT_MS = 30_000;

export class Expectations {
  private readonly creates = new Map<string, Map<string, number>>(); // owner -> child key -> deadline
  private readonly ownerOf = new Map<string, string>(); // child key -> owner
  private readonly deletes = new Map<string, number>(); // child key -> deadline

  constructor(private readonly now: () => number = Date.now) {}

  expectCreate(owner: string, childKey: string): void {
    let m = this.creates.get(owner);
    if (!m) this.creates.set(owner, (m = new Map()));
    m.set(childKey, this.now() + TIMEOUT_MS);
    this.ownerOf.set(childKey, owner);
  }

  /** A create that failed: nothing will arrive. */
  forgetCreate(childKey: string): void {
    const owner = this.ownerOf.get(childKey);
    if (owner === undefined) return;
    this.ownerOf.delete(childKey);
    const m = this.creates.get(owner);
    m?.delete(childKey);
    if (m?.size === 0) this.creates.delete(owner);
  }

  /** Children of owner created but not yet in the cache (their keys). */
  pendingCreates(owner: string): string[] {
    const m = this.creates.get(owner);
    if (!m) return [];
    const now = this.now();
    for (const [k, deadline] of m) if (deadline < now) this.forgetCreate(k);
    return [...(this.creates.get(owner)?.keys() ?? [])];
  }

  expectDelete(childKey: string): void {
    this.deletes.set(childKey, this.now() + TIMEOUT_MS);
  }

  /** True while a delete of childKey was issued and the cache still shows the object alive. */
  isDeleting(childKey: string): boolean {
    const deadline = this.deletes.get(childKey);
    if (deadline === undefined) return false;
    if (deadline < this.now()) {
      this.deletes.delete(childKey);
      return false;
    }
    return true;
  }

  /** Feeds a watch event: the object exists (maybe deleting) or is gone. */
  observe(childKey: string, exists: boolean, deleting: boolean): void {
    this.forgetCreate(childKey);
    if (!exists || deleting) this.deletes.delete(childKey);
  }
}
