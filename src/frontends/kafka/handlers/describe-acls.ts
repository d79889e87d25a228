// DescribeAcls (key 29), v0-3.
//
// Behavior:
// - Needs DESCRIBE on the cluster (else CLUSTER_AUTHORIZATION_FAILED). With no authorizer configured:
//   SECURITY_DISABLED, as Kafka answers without authorizer.class.name.
// - The filter follows Kafka's AclBindingFilter: ANY codes and null strings match everything; pattern
//   MATCH returns the LITERAL, wildcard and PREFIXED bindings that apply to the named resource. Bindings
//   are grouped by resource pattern in the response. An UNKNOWN code in the filter is INVALID_REQUEST.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, describeAcls } from "../../../protocol/kafka/index.js";

type DescribeAclsResponse = describeAcls.DescribeAclsResponse;
import { Operation, type AclFilter } from "../../../security/index.js";
import { mayCluster } from "./authorize.js";
import type { Handler } from "./context.js";

type FilterFields = { resourceTypeFilter: number; resourceNameFilter: string | null; patternTypeFilter: number; principalFilter: string | null; hostFilter: string | null; operation: number; permissionType: number };

export function toAclFilter(f: FilterFields): AclFilter | undefined {
  // UNKNOWN (0) in any enum field makes the filter invalid (Kafka: InvalidRequestException).
  if (f.resourceTypeFilter === 0 || f.patternTypeFilter === 0 || f.operation === 0 || f.permissionType === 0) return undefined;
  return { resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter, principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permission: f.permissionType };
}

export const handleDescribeAcls: Handler<typeof ApiKey.DescribeAcls> = (ctx, request, info) => {
  const answer = (errorCode: number, errorMessage: string | null, resources: DescribeAclsResponse["resources"] = []): DescribeAclsResponse => ({ throttleTimeMs: 0, errorCode, errorMessage, resources });
  if (!ctx.security?.authorizer) return answer(KafkaErrors.SECURITY_DISABLED.code, "no authorizer is configured on the broker (--authorizer acl)");
  if (!mayCluster(ctx, info, Operation.DESCRIBE)) return answer(KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code, "DESCRIBE on the cluster is required");
  const filter = toAclFilter(request);
  if (!filter) return answer(KafkaErrors.INVALID_REQUEST.code, "the filter contains UNKNOWN elements");
  const groups = new Map<string, DescribeAclsResponse["resources"][number]>();
  for (const b of ctx.security.acls.describe(filter)) {
    const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`;
    let resource = groups.get(key);
    if (!resource) groups.set(key, (resource = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
    resource.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permission });
  }
  return answer(KafkaErrors.NONE.code, null, [...groups.values()]);
};
