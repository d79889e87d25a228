// The user and ACL administration both front ends serve (Kafka's DescribeUserScramCredentials,
// AlterUserScramCredentials, CreateAcls; the WebSocket's DESCRIBE_USERS, ALTER_USERS, CREATE_ACLS), so the
// two doors validate and answer alike. Authorization is the caller's (cluster DESCRIBE / ALTER); codes are
// Kafka's, which the WebSocket protocol carries unchanged.

import { KafkaErrors } from "../errors/index.js";
import { invalidBinding, type AclBinding } from "./acl.js";
import type { AclStore } from "./acl-store.js";
import { MAX_ITERATIONS, MIN_ITERATIONS, type ScramMechanism } from "./scram.js";
import { checkUserName, type UserStore } from "./user-store.js";

export interface UserResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface DescribedUser extends UserResult {
  credentials: { mechanism: ScramMechanism; iterations: number }[];
}

/** A credential to remove; mechanism undefined = one the caller could not name (an unknown code). */
export interface ScramDeletion {
  name: string;
  mechanism: ScramMechanism | undefined;
}

/** A credential to add or replace, salted by the client (the password never reaches the broker). */
export interface ScramUpsertion extends ScramDeletion {
  iterations: number;
  salt: Uint8Array;
  saltedPassword: Uint8Array;
}

/**
 * Kafka's AlterUserScramCredentials rules: an empty or control-character name or iterations outside
 * [4096, 16384] are UNACCEPTABLE_CREDENTIAL, an unknown mechanism UNSUPPORTED_SASL_MECHANISM, a user touched
 * twice for one mechanism DUPLICATE_RESOURCE, deleting a missing credential RESOURCE_NOT_FOUND. One result
 * per distinct user (deletions' users first); a user with any error has none of its changes applied; the
 * accepted ones are written in one atomic store write.
 */
export function alterScramCredentials(users: UserStore, deletions: readonly ScramDeletion[], upsertions: readonly ScramUpsertion[]): UserResult[] {
  const names = [...new Set([...deletions.map((d) => d.name), ...upsertions.map((u) => u.name)])];
  const errors = new Map<string, { errorCode: number; errorMessage: string }>();
  const fail = (user: string, errorCode: number, errorMessage: string) => {
    if (!errors.has(user)) errors.set(user, { errorCode, errorMessage });
  };
  const seen = new Set<string>();
  const ops: (ScramDeletion & { upsert?: ScramUpsertion })[] = [...deletions, ...upsertions.map((u) => ({ ...u, upsert: u }))];
  for (const op of ops) {
    const key = `${op.name}\u0000${op.mechanism ?? "?"}`;
    if (seen.has(key)) fail(op.name, KafkaErrors.DUPLICATE_RESOURCE.code, "A user credential cannot be altered twice in the same request");
    seen.add(key);
    try {
      checkUserName(op.name);
    } catch (error) {
      fail(op.name, KafkaErrors.UNACCEPTABLE_CREDENTIAL.code, (error as Error).message);
    }
    if (!op.mechanism) fail(op.name, KafkaErrors.UNSUPPORTED_SASL_MECHANISM.code, "Unknown SCRAM mechanism");
    else if (op.upsert) {
      const u = op.upsert;
      if (!Number.isInteger(u.iterations) || u.iterations < MIN_ITERATIONS || u.iterations > MAX_ITERATIONS) fail(op.name, KafkaErrors.UNACCEPTABLE_CREDENTIAL.code, `Iterations must be in [${MIN_ITERATIONS}, ${MAX_ITERATIONS}]`);
      if (u.salt.length === 0 || u.saltedPassword.length === 0) fail(op.name, KafkaErrors.UNACCEPTABLE_CREDENTIAL.code, "Salt and salted password must not be empty");
    } else if (!users.get(op.name, op.mechanism)) {
      fail(op.name, KafkaErrors.RESOURCE_NOT_FOUND.code, "Attempt to delete a user credential that does not exist");
    }
  }
  let changed = false;
  for (const d of deletions) {
    if (errors.has(d.name)) continue;
    changed = users.delete(d.name, d.mechanism!, false) || changed;
  }
  for (const u of upsertions) {
    if (errors.has(u.name)) continue;
    users.upsertSalted(u.name, u.mechanism!, u.iterations, u.salt, u.saltedPassword, false);
    changed = true;
  }
  if (changed) users.flush();
  return names.map((user) => ({ user, errorCode: errors.get(user)?.errorCode ?? 0, errorMessage: errors.get(user)?.errorMessage ?? null }));
}

/**
 * Kafka's DescribeUserScramCredentials answers: null or empty = every user with a credential; a named user
 * without one RESOURCE_NOT_FOUND, a name asked twice DUPLICATE_RESOURCE. Salts and keys never leave.
 */
export function describeScramCredentials(users: UserStore, names: readonly string[] | null): DescribedUser[] {
  const listed = users.list();
  const describe = (name: string): DescribedUser => {
    const user = listed.find((u) => u.name === name);
    if (!user) return { user: name, errorCode: KafkaErrors.RESOURCE_NOT_FOUND.code, errorMessage: `Attempt to describe a user credential that does not exist: ${name}`, credentials: [] };
    return { user: name, errorCode: 0, errorMessage: null, credentials: user.credentials };
  };
  if (!names || names.length === 0) return listed.map((u) => describe(u.name));
  const counts = new Map<string, number>();
  for (const u of names) counts.set(u, (counts.get(u) ?? 0) + 1);
  return [...counts].map(([name, n]) =>
    n > 1 ? { user: name, errorCode: KafkaErrors.DUPLICATE_RESOURCE.code, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${name}`, credentials: [] } : describe(name),
  );
}

/**
 * Kafka's CreateAcls: each binding answered on its own, in order; an invalid one (acl.ts's invalidBinding)
 * INVALID_REQUEST, the valid ones stored in one atomic write (duplicates ignored). A store that cannot be
 * written throws (the caller answers every creation with UNKNOWN_SERVER_ERROR).
 */
export function createAcls(store: AclStore, bindings: readonly AclBinding[]): { errorCode: number; errorMessage: string | null }[] {
  const valid: AclBinding[] = [];
  const results = bindings.map((binding) => {
    const why = invalidBinding(binding);
    if (why) return { errorCode: KafkaErrors.INVALID_REQUEST.code, errorMessage: why };
    valid.push(binding);
    return { errorCode: KafkaErrors.NONE.code, errorMessage: null };
  });
  store.add(valid);
  return results;
}
