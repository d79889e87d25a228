// The ACL store: every binding in `<data-dir>/security/acls.json`, rewritten atomically on each change.
// Small by nature (operators write ACLs by hand or by tool), so a JSON array and a linear scan per check
// are enough; the authorizer keeps no other state. In cluster mode a sink (etcd-store.ts) takes each
// change instead of the file, and replaceAll() installs what etcd holds.

import { join } from "node:path";
import { readFileIfExists, writeStoreFile } from "./store-file.js";
import { filterMatches, invalidBinding, sameBinding, type AclBinding, type AclFilter } from "./acl.js";

export function aclsPath(dataDir: string): string {
  return join(dataDir, "security", "acls.json");
}

/** Where changes go instead of the file (cluster mode: etcd). */
export interface AclSink {
  added(bindings: readonly AclBinding[]): void;
  removed(bindings: readonly AclBinding[]): void;
}

export class AclStore {
  private bindings: AclBinding[] = [];
  sink: AclSink | undefined;

  private constructor(readonly path: string) {}

  static open(dataDir: string): AclStore {
    const store = new AclStore(aclsPath(dataDir));
    const text = readFileIfExists(store.path);
    if (text !== undefined) {
      const file = JSON.parse(text) as { version: number; acls: AclBinding[] };
      if (file.version !== 1 || !Array.isArray(file.acls)) throw new Error(`${store.path}: unknown ACL file format`);
      for (const b of file.acls) {
        const why = invalidBinding(b);
        if (why) throw new Error(`${store.path}: invalid ACL (${why})`);
      }
      store.bindings = file.acls;
    }
    return store;
  }

  private save(): void {
    writeStoreFile(this.path, JSON.stringify({ version: 1, acls: this.bindings }, null, 2) + "\n");
  }

  /** A change the file did not take is not made: the admin was told it failed, so it must not apply. */
  private saveOrRevert(before: AclBinding[]): void {
    try {
      this.save();
    } catch (error) {
      this.bindings = before;
      throw error;
    }
  }

  all(): readonly AclBinding[] {
    return this.bindings;
  }

  /** Adds bindings (duplicates are ignored, as in Kafka); throws RangeError on an invalid one, adding none. */
  add(bindings: readonly AclBinding[]): void {
    const before = [...this.bindings];
    for (const b of bindings) {
      const why = invalidBinding(b);
      if (why) throw new RangeError(why);
    }
    const added: AclBinding[] = [];
    for (const b of bindings) {
      if (this.bindings.some((x) => sameBinding(x, b))) continue;
      this.bindings.push({ ...b });
      added.push({ ...b });
    }
    if (added.length === 0) return;
    if (this.sink) this.sink.added(added);
    else this.saveOrRevert(before);
  }

  describe(filter: AclFilter): AclBinding[] {
    return this.bindings.filter((b) => filterMatches(filter, b));
  }

  /** Removes the bindings each filter matches; returns them per filter. */
  delete(filters: readonly AclFilter[]): AclBinding[][] {
    const removed = filters.map((f) => this.bindings.filter((b) => filterMatches(f, b)));
    const gone = new Set(removed.flat());
    if (gone.size) {
      const before = this.bindings;
      this.bindings = this.bindings.filter((b) => !gone.has(b));
      if (this.sink) this.sink.removed([...gone]);
      else this.saveOrRevert(before);
    }
    return removed;
  }

  /** Installs the bindings another source of truth holds (cluster mode: etcd), without writing anything. */
  replaceAll(bindings: readonly AclBinding[]): void {
    this.bindings = bindings.filter((b) => invalidBinding(b) === undefined).map((b) => ({ ...b }));
  }
}
