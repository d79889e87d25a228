// AlterUserScramCredentials (key 51), v0.
//
// Behavior:
// - Needs ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every user).
// - Upsertions carry SaltedPassword (the client salts and iterates); we keep StoredKey and ServerKey derived
//   from it, never the salted password itself. Iterations outside [4096, 16384]: UNACCEPTABLE_CREDENTIAL;
//   an unknown mechanism: UNSUPPORTED_SASL_MECHANISM; an empty name: UNACCEPTABLE_CREDENTIAL; a user
//   touched twice for one mechanism: DUPLICATE_RESOURCE; deleting a credential that does not exist:
//   RESOURCE_NOT_FOUND. One result per distinct user; a user with any error has none of its changes applied.
// - All accepted changes are written in one atomic store write.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { checkUserName, MAX_ITERATIONS, MIN_ITERATIONS, Operation, scramMechanismFromCode } from "../../../security/index.js";
import { mayCluster } from "./authorize.js";
import type { Handler } from "./context.js";

export const handleAlterUserScramCredentials: Handler<typeof ApiKey.AlterUserScramCredentials> = (ctx, request, info) => {
  const users = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
  const security = ctx.security;
  if (!security) return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: KafkaErrors.SECURITY_DISABLED.code, errorMessage: "security is not configured" })) };
  if (!mayCluster(ctx, info, Operation.ALTER)) return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code, errorMessage: "ALTER on the cluster is required" })) };
  const errors = new Map<string, { errorCode: number; errorMessage: string }>();
  const fail = (user: string, errorCode: number, errorMessage: string) => {
    if (!errors.has(user)) errors.set(user, { errorCode, errorMessage });
  };
  const seen = new Set<string>();
  const ops: { name: string; mechanism: number; upsert?: (typeof request.upsertions)[number] }[] = [...request.deletions, ...request.upsertions.map((u) => ({ ...u, upsert: u }))];
  for (const op of ops) {
    const key = `${op.name}\u0000${op.mechanism}`;
    if (seen.has(key)) fail(op.name, KafkaErrors.DUPLICATE_RESOURCE.code, "A user credential cannot be altered twice in the same request");
    seen.add(key);
    try {
      checkUserName(op.name);
    } catch (error) {
      fail(op.name, KafkaErrors.UNACCEPTABLE_CREDENTIAL.code, (error as Error).message);
    }
    const mechanism = scramMechanismFromCode(op.mechanism);
    if (!mechanism) fail(op.name, KafkaErrors.UNSUPPORTED_SASL_MECHANISM.code, "Unknown SCRAM mechanism");
    else if (op.upsert) {
      const u = op.upsert;
      if (u.iterations < MIN_ITERATIONS || u.iterations > MAX_ITERATIONS) fail(op.name, KafkaErrors.UNACCEPTABLE_CREDENTIAL.code, `Iterations must be in [${MIN_ITERATIONS}, ${MAX_ITERATIONS}]`);
      if (u.salt.length === 0 || u.saltedPassword.length === 0) fail(op.name, KafkaErrors.UNACCEPTABLE_CREDENTIAL.code, "Salt and salted password must not be empty");
    } else if (!security.users.get(op.name, mechanism)) {
      fail(op.name, KafkaErrors.RESOURCE_NOT_FOUND.code, "Attempt to delete a user credential that does not exist");
    }
  }
  let changed = false;
  for (const d of request.deletions) {
    if (errors.has(d.name)) continue;
    changed = security.users.delete(d.name, scramMechanismFromCode(d.mechanism)!, false) || changed;
  }
  for (const u of request.upsertions) {
    if (errors.has(u.name)) continue;
    security.users.upsertSalted(u.name, scramMechanismFromCode(u.mechanism)!, u.iterations, u.salt, u.saltedPassword, false);
    changed = true;
  }
  if (changed) security.users.flush();
  return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: errors.get(user)?.errorCode ?? 0, errorMessage: errors.get(user)?.errorMessage ?? null })) };
};
