// AlterUserScramCredentials (key 51), v0.
//
// Behavior:
// - Needs ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every user).
// - Upsertions carry SaltedPassword (the client salts and iterates); we keep StoredKey and ServerKey derived
//   from it, never the salted password itself. Iterations outside [4096, 16384]: UNACCEPTABLE_CREDENTIAL;
//   an unknown mechanism: UNSUPPORTED_SASL_MECHANISM; an empty name: UNACCEPTABLE_CREDENTIAL; a user
//   touched twice for one mechanism: DUPLICATE_RESOURCE; deleting a credential that does not exist:
//   RESOURCE_NOT_FOUND. One result per distinct user; a user with any error has none of its changes applied.
// - All accepted changes are written in one atomic store write (cluster mode: etcd, awaited before the
//   answer; a failed write answers KAFKA_STORAGE_ERROR (disk full, no descriptor) or UNKNOWN_SERVER_ERROR
//   for the users it touched).

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { alterScramCredentials, Operation, scramMechanismFromCode } from "../../../security/index.js";
import { mayCluster } from "./authorize.js";
import type { Handler } from "./context.js";

export const handleAlterUserScramCredentials: Handler<typeof ApiKey.AlterUserScramCredentials> = async (ctx, request, info) => {
  const users = [...new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)])];
  const security = ctx.security;
  if (!security) return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: KafkaErrors.SECURITY_DISABLED.code, errorMessage: "security is not configured" })) };
  if (!mayCluster(ctx, info, Operation.ALTER)) return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode: KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code, errorMessage: "ALTER on the cluster is required" })) };
  let results: ReturnType<typeof alterScramCredentials> | undefined;
  try {
    results = alterScramCredentials(
      security.users,
      request.deletions.map((d) => ({ name: d.name, mechanism: scramMechanismFromCode(d.mechanism) })),
      request.upsertions.map((u) => ({ name: u.name, mechanism: scramMechanismFromCode(u.mechanism), iterations: u.iterations, salt: u.salt, saltedPassword: u.saltedPassword })),
    );
    await security.replicated(); // cluster mode: etcd has it, so every broker will
  } catch (error) {
    // Standalone, nothing was applied (the store reverts a write the disk refused): a full disk or no
    // descriptor left is KAFKA_STORAGE_ERROR, which a client may retry.
    ctx.logger.error("cannot store SCRAM credentials", { error });
    const failed = { errorCode: toKafkaCode(error), errorMessage: "the user store could not be written" };
    return { throttleTimeMs: 0, results: results ? results.map((r) => (r.errorCode ? r : { ...r, ...failed })) : users.map((user) => ({ user, ...failed })) };
  }
  return { throttleTimeMs: 0, results };
};
