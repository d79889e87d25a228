// The user store: SCRAM credentials per user and mechanism, in `<data-dir>/security/users.json`, rewritten
// atomically on every change (store-file.ts). Never a password: salt, iterations, StoredKey, ServerKey.
//
//   { "version": 1, "users": { "alice": { "SCRAM-SHA-256": { "salt": b64, "iterations": 4096,
//                                                              "storedKey": b64, "serverKey": b64 } } } }
//
// The broker loads it at start and is the only writer while it runs (AlterUserScramCredentials); the CLI
// writes it directly only while it holds the data directory's lock (a stopped broker). In cluster mode a
// sink (etcd-store.ts) takes each changed user instead of the file, and replaceAll() installs etcd's users.

import { join } from "node:path";
import { InvalidArgumentError } from "../errors/index.js";
import { readFileIfExists, writeStoreFile } from "./store-file.js";
import { checkIterations, credentialFromSalted, deriveCredential, isScramMechanism, type ScramCredential, type ScramMechanism } from "./scram.js";

interface StoredCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

/** One user's credentials as stored (the file's per-user entry, and the value of its etcd key). */
export type StoredUser = Partial<Record<ScramMechanism, StoredCredential>>;

/** Where changes go instead of the file (cluster mode: etcd): the user's credentials, undefined = deleted. */
export interface UserSink {
  changed(name: string, user: StoredUser | undefined): void;
}

interface UsersFile {
  version: 1;
  users: Record<string, Partial<Record<ScramMechanism, StoredCredential>>>;
}

export function usersPath(dataDir: string): string {
  return join(dataDir, "security", "users.json");
}

/** Kafka refuses empty user names; we also refuse control characters (they end up in logs and ACLs). */
export function checkUserName(name: string): void {
  if (name.length === 0 || name.length > 256 || /[\u0000-\u001f]/.test(name)) throw new InvalidArgumentError(`invalid user name ${JSON.stringify(name)}`);
}

export class UserStore {
  private readonly users = new Map<string, Map<ScramMechanism, ScramCredential>>();
  /** Users changed since the last save (what a sink is told). */
  private readonly dirty = new Set<string>();
  /** What the file holds (standalone mode): a failed write goes back to it. */
  private persisted: Record<string, StoredUser> = {};
  sink: UserSink | undefined;

  private constructor(readonly path: string) {}

  static open(dataDir: string): UserStore {
    const store = new UserStore(usersPath(dataDir));
    const text = readFileIfExists(store.path);
    if (text !== undefined) store.load(text);
    return store;
  }

  private load(text: string): void {
    const file = JSON.parse(text) as UsersFile;
    if (file.version !== 1 || typeof file.users !== "object") throw new Error(`${this.path}: unknown users file format`);
    this.replaceAll(file.users);
    this.persisted = this.snapshot();
  }

  /** Installs every user of `users` (and only those), without writing anything (cluster mode: from etcd). */
  replaceAll(users: Record<string, StoredUser>): void {
    this.users.clear();
    for (const [name, stored] of Object.entries(users)) {
      const creds = new Map<ScramMechanism, ScramCredential>();
      for (const [mechanism, c] of Object.entries(stored)) {
        if (!isScramMechanism(mechanism) || !c) continue;
        creds.set(mechanism, { salt: Buffer.from(c.salt, "base64"), iterations: c.iterations, storedKey: Buffer.from(c.storedKey, "base64"), serverKey: Buffer.from(c.serverKey, "base64") });
      }
      if (creds.size) this.users.set(name, creds);
    }
  }

  /** A user's credentials as stored, undefined if it has none. */
  stored(name: string): StoredUser | undefined {
    const creds = this.users.get(name);
    if (!creds) return undefined;
    const entry: StoredUser = {};
    for (const [mechanism, c] of creds) {
      entry[mechanism] = { salt: c.salt.toString("base64"), iterations: c.iterations, storedKey: c.storedKey.toString("base64"), serverKey: c.serverKey.toString("base64") };
    }
    return entry;
  }

  private save(): void {
    if (this.sink) {
      for (const name of this.dirty) this.sink.changed(name, this.stored(name));
      this.dirty.clear();
      return;
    }
    this.dirty.clear();
    const file: UsersFile = { version: 1, users: this.snapshot() };
    try {
      writeStoreFile(this.path, JSON.stringify(file, null, 2) + "\n");
    } catch (error) {
      // The admin is told the change failed, so it must not apply: back to what the file holds.
      this.replaceAll(this.persisted);
      throw error;
    }
    this.persisted = file.users;
  }

  private snapshot(): Record<string, StoredUser> {
    const users: Record<string, StoredUser> = {};
    for (const name of [...this.users.keys()].sort()) users[name] = this.stored(name)!;
    return users;
  }

  get(name: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.users.get(name)?.get(mechanism);
  }

  has(name: string): boolean {
    return this.users.has(name);
  }

  /** Users and their mechanisms with iteration counts, sorted by name. */
  list(): { name: string; credentials: { mechanism: ScramMechanism; iterations: number }[] }[] {
    return [...this.users.keys()].sort().map((name) => ({
      name,
      credentials: [...this.users.get(name)!].map(([mechanism, c]) => ({ mechanism, iterations: c.iterations })),
    }));
  }

  /** Adds or replaces a user's credential for each mechanism, derived from the password (CLI). */
  async setPassword(name: string, password: string, mechanisms: readonly ScramMechanism[], iterations?: number): Promise<void> {
    checkUserName(name);
    if (password.length === 0) throw new InvalidArgumentError("the password is empty");
    const creds = this.users.get(name) ?? new Map<ScramMechanism, ScramCredential>();
    for (const m of mechanisms) creds.set(m, await deriveCredential(m, password, iterations));
    this.users.set(name, creds);
    this.dirty.add(name);
    this.save();
  }

  /** Stores a credential from a client-salted password (AlterUserScramCredentials upsertion). */
  upsertSalted(name: string, mechanism: ScramMechanism, iterations: number, salt: Uint8Array, salted: Uint8Array, persist = true): void {
    checkUserName(name);
    checkIterations(iterations);
    const creds = this.users.get(name) ?? new Map<ScramMechanism, ScramCredential>();
    creds.set(mechanism, credentialFromSalted(mechanism, salted, salt, iterations));
    this.users.set(name, creds);
    this.dirty.add(name);
    if (persist) this.save();
  }

  /** Removes one mechanism (or every one) of a user; false when there was nothing to remove. */
  delete(name: string, mechanism?: ScramMechanism, persist = true): boolean {
    const creds = this.users.get(name);
    if (!creds) return false;
    let removed: boolean;
    if (mechanism === undefined) {
      removed = this.users.delete(name);
    } else {
      removed = creds.delete(mechanism);
      if (creds.size === 0) this.users.delete(name);
    }
    if (removed) this.dirty.add(name);
    if (removed && persist) this.save();
    return removed;
  }

  /** Writes the current state (after a batch of persist=false changes). */
  flush(): void {
    this.save();
  }
}
