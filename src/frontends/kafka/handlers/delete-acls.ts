// DeleteAcls (key 31), v0-3.
//
// Behavior:
// - Needs ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED per filter); SECURITY_DISABLED without an
//   authorizer. Each filter (Kafka's AclBindingFilter semantics, MATCH included) removes the bindings it
//   matches and lists them; a filter with UNKNOWN codes gets INVALID_REQUEST. One atomic store write
//   (cluster mode: etcd, awaited before the answer; a failed write answers KAFKA_STORAGE_ERROR when the disk refused it, else UNKNOWN_SERVER_ERROR).

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, deleteAcls } from "../../../protocol/kafka/index.js";
import { Operation, type AclFilter } from "../../../security/index.js";
import { mayCluster } from "./authorize.js";
import type { Handler } from "./context.js";
import { toAclFilter } from "./describe-acls.js";

export const handleDeleteAcls: Handler<typeof ApiKey.DeleteAcls> = async (ctx, request, info) => {
  const all = (errorCode: number, errorMessage: string): deleteAcls.DeleteAclsResponse => ({ throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) });
  const security = ctx.security;
  if (!security?.authorizer) return all(KafkaErrors.SECURITY_DISABLED.code, "no authorizer is configured on the broker (--authorizer acl)");
  if (!mayCluster(ctx, info, Operation.ALTER)) return all(KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code, "ALTER on the cluster is required");
  const filters = request.filters.map(toAclFilter);
  const removed = security.acls.delete(filters.filter((f): f is AclFilter => f !== undefined));
  try {
    await security.replicated(); // cluster mode: etcd has it, so every broker will
  } catch (error) {
    ctx.logger.error("cannot delete ACLs", { error });
    return all(toKafkaCode(error), "the ACL store could not be written");
  }
  let next = 0;
  return {
    throttleTimeMs: 0,
    filterResults: filters.map((f) => {
      if (!f) return { errorCode: KafkaErrors.INVALID_REQUEST.code, errorMessage: "the filter contains UNKNOWN elements", matchingAcls: [] };
      const matching = removed[next++]!;
      return {
        errorCode: KafkaErrors.NONE.code,
        errorMessage: null,
        matchingAcls: matching.map((b) => ({ errorCode: 0, errorMessage: null, resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission })),
      };
    }),
  };
};
