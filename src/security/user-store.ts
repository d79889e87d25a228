// The user store: SCRAM credentials per user and mechanism, in `<data-dir>/security/users.json`, rewritten
// atomically on every change (atomic-file.ts). Never a password: salt, iterations, StoredKey, ServerKey.
//
//   { "version": 1, "users": { "alice": { "SCRAM-SHA-256": { "salt": b64, "iterations": 4096,
//                                                              "storedKey": b64, "serverKey": b64 } } } }
//
// The broker loads it at start and is the only writer while it runs (AlterUserScramCredentials); the CLI
// writes it directly only while it holds the data directory's lock (a stopped broker).

import { join } from "node:path";
import { InvalidArgumentError } from "../errors/index.js";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.js";
import { checkIterations, credentialFromSalted, deriveCredential, isScramMechanism, type ScramCredential, type ScramMechanism } from "./scram.js";

interface StoredCredential {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
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
    for (const [name, mechanisms] of Object.entries(file.users)) {
      const creds = new Map<ScramMechanism, ScramCredential>();
      for (const [mechanism, c] of Object.entries(mechanisms)) {
        if (!isScramMechanism(mechanism) || !c) continue;
        creds.set(mechanism, { salt: Buffer.from(c.salt, "base64"), iterations: c.iterations, storedKey: Buffer.from(c.storedKey, "base64"), serverKey: Buffer.from(c.serverKey, "base64") });
      }
      if (creds.size) this.users.set(name, creds);
    }
  }

  private save(): void {
    const file: UsersFile = { version: 1, users: {} };
    for (const [name, creds] of [...this.users].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const entry: Partial<Record<ScramMechanism, StoredCredential>> = {};
      for (const [mechanism, c] of creds) {
        entry[mechanism] = { salt: c.salt.toString("base64"), iterations: c.iterations, storedKey: c.storedKey.toString("base64"), serverKey: c.serverKey.toString("base64") };
      }
      file.users[name] = entry;
    }
    writeFileAtomic(this.path, JSON.stringify(file, null, 2) + "\n");
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
    this.save();
  }

  /** Stores a credential from a client-salted password (AlterUserScramCredentials upsertion). */
  upsertSalted(name: string, mechanism: ScramMechanism, iterations: number, salt: Uint8Array, salted: Uint8Array, persist = true): void {
    checkUserName(name);
    checkIterations(iterations);
    const creds = this.users.get(name) ?? new Map<ScramMechanism, ScramCredential>();
    creds.set(mechanism, credentialFromSalted(mechanism, salted, salt, iterations));
    this.users.set(name, creds);
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
    if (removed && persist) this.save();
    return removed;
  }

  /** Writes the current state (after a batch of persist=false changes). */
  flush(): void {
    this.save();
  }
}
