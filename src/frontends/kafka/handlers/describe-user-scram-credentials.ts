// DescribeUserScramCredentials (key 50), v0.
//
// Behavior:
// - Needs DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED at the top level).
// - users null or empty: every user with a credential. Named users: their mechanisms and iteration counts,
//   RESOURCE_NOT_FOUND for one without credentials, DUPLICATE_RESOURCE for a name asked twice (Kafka's
//   answers). Salts and keys are never returned.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, describeUserScramCredentials } from "../../../protocol/kafka/index.js";
import { Operation, ScramMechanismCode } from "../../../security/index.js";
import { mayCluster } from "./authorize.js";
import type { Handler } from "./context.js";

type Result = describeUserScramCredentials.DescribedScramUser;

export const handleDescribeUserScramCredentials: Handler<typeof ApiKey.DescribeUserScramCredentials> = (ctx, request, info) => {
  const security = ctx.security;
  if (!security) return { throttleTimeMs: 0, errorCode: KafkaErrors.SECURITY_DISABLED.code, errorMessage: "security is not configured", results: [] };
  if (!mayCluster(ctx, info, Operation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code, errorMessage: "DESCRIBE on the cluster is required", results: [] };
  const listed = security.users.list();
  const describe = (name: string): Result => {
    const user = listed.find((u) => u.name === name);
    if (!user) return { user: name, errorCode: KafkaErrors.RESOURCE_NOT_FOUND.code, errorMessage: `Attempt to describe a user credential that does not exist: ${name}`, credentialInfos: [] };
    return { user: name, errorCode: 0, errorMessage: null, credentialInfos: user.credentials.map((c) => ({ mechanism: ScramMechanismCode[c.mechanism], iterations: c.iterations })) };
  };
  let results: Result[];
  if (!request.users || request.users.length === 0) {
    results = listed.map((u) => describe(u.name));
  } else {
    const counts = new Map<string, number>();
    for (const u of request.users) counts.set(u, (counts.get(u) ?? 0) + 1);
    results = [...counts].map(([name, n]) => (n > 1 ? { user: name, errorCode: KafkaErrors.DUPLICATE_RESOURCE.code, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${name}`, credentialInfos: [] } : describe(name)));
  }
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
};
