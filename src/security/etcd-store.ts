// Cluster mode: users (SCRAM credentials) and ACLs live in etcd, under the cluster's prefix, so a change
// made through any broker applies on every broker within one watch round trip. Single-broker mode keeps
// the data-directory files (acl-store.ts, user-store.ts); this file only plugs a sink into those stores.
//
//   <prefix>/security/acls/<sha256 of the binding>   one ACL binding (JSON, AclBinding)
//   <prefix>/security/users/<encoded user name>      one user's credentials (JSON, StoredUser: salt,
//                                                     iterations, StoredKey, ServerKey; never a password)
//
// One key per binding and per user, so concurrent changes through different brokers never overwrite each
// other (a whole-document value would lose one of two concurrent writes).
//
// Behavior:
// - start(): reads the prefix; if etcd holds no security key yet and this broker's data directory does,
//   seeds etcd from the local files (put-if-absent per key: several brokers seeding at once agree). The
//   server empties the stores before its listeners open, so until etcd's state is installed the broker
//   knows no user and no ACL (it refuses rather than trust a data directory that may be stale). Then
//   installs etcd's state in the stores and watches the prefix; every event (and a timer, as a safety net
//   across etcd restarts) re-reads it and replaces the stores' contents.
// - A change through this broker (CreateAcls, DeleteAcls, AlterUserScramCredentials, the WebSocket frames)
//   is applied to the local store at once and written to etcd; the request is answered once etcd took the
//   write (`Security.replicated()`), so an answer means every broker will see it. A failed write fails the
//   request (UNKNOWN_SERVER_ERROR) and the next reload puts the store back to etcd's state.
// - While this broker's own writes are in flight a reload is deferred until they finish, so a reload
//   cannot briefly undo a change that was just applied locally.

import { createHash } from "node:crypto";
import type { Etcd3, Watcher } from "etcd3";
import type { Logger } from "../log.js";
import type { AclBinding } from "./acl.js";
import type { Security } from "./security.js";
import type { StoredUser } from "./user-store.js";

const RELOAD_INTERVAL_MS = 5000;

/** A data directory's users and ACLs, offered to an empty etcd. */
export interface SecuritySeed {
  acls: AclBinding[];
  users: Record<string, StoredUser>;
}

export function aclKeyId(b: AclBinding): string {
  const canonical = JSON.stringify([b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permission]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}

export class EtcdSecurityStore {
  private watcher: Watcher | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private inflight = 0;
  private writes: Promise<unknown> = Promise.resolve();
  private reloadWanted = false;
  private reloading: Promise<void> | undefined;
  private closed = false;
  readonly aclsPrefix: string;
  readonly usersPrefix: string;

  private constructor(private readonly client: Etcd3, prefix: string, private readonly security: Security, private readonly logger: Logger) {
    this.aclsPrefix = `${prefix}/security/acls/`;
    this.usersPrefix = `${prefix}/security/users/`;
  }

  /** Moves `security`'s stores onto etcd (see Behavior); resolves once etcd's state is installed. */
  /** `seed`: this broker's data-directory users and ACLs, written only if etcd holds none yet. */
  static async start(client: Etcd3, prefix: string, security: Security, logger: Logger, seed?: SecuritySeed): Promise<EtcdSecurityStore> {
    const store = new EtcdSecurityStore(client, prefix, security, logger);
    await store.seedIfEmpty(seed ?? { acls: [...security.acls.all()], users: Object.fromEntries(security.users.list().map((u) => [u.name, security.users.stored(u.name)!])) });
    security.acls.sink = {
      added: (bindings) => bindings.forEach((b) => store.write(() => client.put(store.aclsPrefix + aclKeyId(b)).value(JSON.stringify(b)).exec())),
      removed: (bindings) => bindings.forEach((b) => store.write(() => client.delete().key(store.aclsPrefix + aclKeyId(b)).exec())),
    };
    security.users.sink = {
      changed: (name, user) =>
        store.write(() => (user ? client.put(store.userKey(name)).value(JSON.stringify(user)).exec() : client.delete().key(store.userKey(name)).exec())),
    };
    security.replicated = () => store.flushed();
    await store.reload();
    store.watcher = await client.watch().prefix(`${prefix}/security/`).create();
    store.watcher.on("put", () => store.queueReload());
    store.watcher.on("delete", () => store.queueReload());
    store.watcher.on("connected", () => store.queueReload());
    store.watcher.on("error", (error) => logger.warn("security watch failed", { error }));
    store.timer = setInterval(() => store.queueReload(), RELOAD_INTERVAL_MS);
    store.timer.unref?.();
    logger.info("users and ACLs are shared through etcd", { prefix: `${prefix}/security/` });
    return store;
  }

  userKey(name: string): string {
    return this.usersPrefix + encodeURIComponent(name);
  }

  /** Resolves once every write issued so far reached etcd; rejects if one of them failed. */
  async flushed(): Promise<void> {
    await this.writes;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.watcher?.cancel().catch(() => undefined);
    this.security.acls.sink = undefined;
    this.security.users.sink = undefined;
  }

  private write(op: () => Promise<unknown>): void {
    this.inflight++;
    const done = op().finally(() => {
      if (--this.inflight === 0 && this.reloadWanted) this.queueReload();
    });
    // Later flushed() calls see this write's failure; the chain itself never stays rejected.
    const previous = this.writes;
    this.writes = Promise.all([previous.catch(() => undefined), done]);
    this.writes.catch(() => undefined); // handled here; flushed() still sees the rejection
    done.catch((error) => {
      this.logger.warn("a user or ACL change could not be written to etcd", { error });
      this.queueReload();
    });
  }

  private queueReload(): void {
    if (this.closed) return;
    if (this.inflight > 0 || this.reloading) {
      this.reloadWanted = true;
      return;
    }
    this.reloadWanted = false;
    this.reloading = this.reload()
      .catch((error) => this.logger.warn("users and ACLs could not be read from etcd", { error }))
      .finally(() => {
        this.reloading = undefined;
        if (this.reloadWanted) this.queueReload();
      });
  }

  private async reload(): Promise<void> {
    const [acls, users] = await Promise.all([this.client.getAll().prefix(this.aclsPrefix).strings(), this.client.getAll().prefix(this.usersPrefix).strings()]);
    if (this.inflight > 0) {
      this.reloadWanted = true; // a local write started meanwhile: read again after it
      return;
    }
    const bindings: AclBinding[] = [];
    for (const value of Object.values(acls)) {
      try {
        bindings.push(JSON.parse(value) as AclBinding);
      } catch {
        // a value we cannot parse (a hand edit) is skipped, never fatal
      }
    }
    const byName: Record<string, StoredUser> = {};
    for (const [key, value] of Object.entries(users)) {
      try {
        byName[decodeURIComponent(key.slice(this.usersPrefix.length))] = JSON.parse(value) as StoredUser;
      } catch {
        // likewise
      }
    }
    this.security.acls.replaceAll(bindings);
    this.security.users.replaceAll(byName);
  }

  private async seedIfEmpty(seed: SecuritySeed): Promise<void> {
    const existing = await this.client.getAll().prefix(this.aclsPrefix.replace(/acls\/$/, "")).keys();
    if (existing.length > 0) return;
    const puts: Promise<unknown>[] = [];
    const putIfAbsent = (key: string, value: string) =>
      this.client.if(key, "Create", "==", 0).then(this.client.put(key).value(value)).commit();
    for (const b of seed.acls) puts.push(putIfAbsent(this.aclsPrefix + aclKeyId(b), JSON.stringify(b)));
    for (const [name, user] of Object.entries(seed.users)) puts.push(putIfAbsent(this.userKey(name), JSON.stringify(user)));
    await Promise.all(puts);
    if (puts.length) this.logger.info("seeded etcd with this broker's users and ACLs", { count: puts.length });
  }
}
