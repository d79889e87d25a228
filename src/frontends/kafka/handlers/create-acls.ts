// CreateAcls (key 30), v0-3.
//
// Behavior:
// - Needs ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every creation); SECURITY_DISABLED
//   without an authorizer. Each creation is answered on its own, in order: an invalid one (UNKNOWN/ANY
//   codes, a pattern type other than LITERAL/PREFIXED, a principal not `User:<name>`, a cluster resource not
//   named kafka-cluster) gets INVALID_REQUEST; the valid ones are stored (atomically, duplicates ignored).
//   In cluster mode they are stored in etcd and the answer waits for it (security/etcd-store.ts).

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { createAcls, Operation, type AclBinding } from "../../../security/index.js";
import { mayCluster } from "./authorize.js";
import type { Handler } from "./context.js";

export const handleCreateAcls: Handler<typeof ApiKey.CreateAcls> = async (ctx, request, info) => {
  const all = (errorCode: number, errorMessage: string) => ({ throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) });
  const security = ctx.security;
  if (!security?.authorizer) return all(KafkaErrors.SECURITY_DISABLED.code, "no authorizer is configured on the broker (--authorizer acl)");
  if (!mayCluster(ctx, info, Operation.ALTER)) return all(KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code, "ALTER on the cluster is required");
  const bindings = request.creations.map((c) => ({ resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType, principal: c.principal, host: c.host, operation: c.operation, permission: c.permissionType }) as AclBinding);
  try {
    const results = createAcls(security.acls, bindings);
    await security.replicated(); // cluster mode: etcd has it, so every broker will
    return { throttleTimeMs: 0, results };
  } catch (error) {
    ctx.logger.error("cannot store ACLs", { error });
    return all(toKafkaCode(error), "the ACL store could not be written");
  }
};
