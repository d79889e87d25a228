// DescribeUserScramCredentials (key 50), v0.
//
// Behavior:
// - Needs DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED at the top level).
// - users null or empty: every user with a credential. Named users: their mechanisms and iteration counts,
//   RESOURCE_NOT_FOUND for one without credentials, DUPLICATE_RESOURCE for a name asked twice (Kafka's
//   answers). Salts and keys are never returned.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { describeScramCredentials, Operation, ScramMechanismCode } from "../../../security/index.js";
import { mayCluster } from "./authorize.js";
import type { Handler } from "./context.js";

export const handleDescribeUserScramCredentials: Handler<typeof ApiKey.DescribeUserScramCredentials> = (ctx, request, info) => {
  const security = ctx.security;
  if (!security) return { throttleTimeMs: 0, errorCode: KafkaErrors.SECURITY_DISABLED.code, errorMessage: "security is not configured", results: [] };
  if (!mayCluster(ctx, info, Operation.DESCRIBE)) return { throttleTimeMs: 0, errorCode: KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code, errorMessage: "DESCRIBE on the cluster is required", results: [] };
  const results = describeScramCredentials(security.users, request.users).map(({ credentials, ...r }) => ({ ...r, credentialInfos: credentials.map((c) => ({ mechanism: ScramMechanismCode[c.mechanism], iterations: c.iterations })) }));
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
};
