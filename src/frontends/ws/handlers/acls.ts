// DESCRIBE_ACLS, CREATE_ACLS and DELETE_ACLS -> ACLS: the Kafka front end's ACL administration over the
// WebSocket (same store, filters and validation: security/acl.ts, admin-ops.ts). Authorization
// (authorize.ts): DESCRIBE on the cluster to describe, ALTER to create or delete. Without an authorizer
// (--authorizer acl) the broker answers ERROR SECURITY_DISABLED (54), as Kafka does.
//
//   DESCRIBE_ACLS  one result: the bindings the filter matches (INVALID_REQUEST for UNKNOWN codes)
//   CREATE_ACLS    one result per binding, in order: INVALID_REQUEST with the reason, or 0 (stored)
//   DELETE_ACLS    one result per filter: the bindings it removed (INVALID_REQUEST for UNKNOWN codes)

import { KafkaErrors, KafkaProtocolError } from "../../../errors/index.js";
import { FrameType, type AclBindingWire, type AclFilterWire } from "../../../protocol/ws/frames.js";
import { createAcls, type AclBinding, type AclFilter, type Security } from "../../../security/index.js";
import type { WsHandler, WsRequestContext } from "./context.js";

function withAuthorizer(ctx: WsRequestContext): Security {
  if (!ctx.security?.authorizer) throw new KafkaProtocolError("SECURITY_DISABLED", "no authorizer is configured on the broker (--authorizer acl)");
  return ctx.security;
}

/** UNKNOWN (0) in any code makes a filter invalid, as Kafka's InvalidRequestException. */
const validFilter = (f: AclFilterWire): AclFilter | undefined =>
  f.resourceType === 0 || f.patternType === 0 || f.operation === 0 || f.permission === 0 ? undefined : f;

const wire = (b: AclBinding): AclBindingWire => ({ ...b });
const INVALID_FILTER = { errorCode: KafkaErrors.INVALID_REQUEST.code, errorMessage: "the filter contains UNKNOWN elements", bindings: [] };

export const handleDescribeAcls: WsHandler<typeof FrameType.DESCRIBE_ACLS> = (ctx, frame) => {
  const security = withAuthorizer(ctx);
  const filter = validFilter(frame.filter);
  const result = filter ? { errorCode: 0, errorMessage: "", bindings: security.acls.describe(filter).map(wire) } : INVALID_FILTER;
  return { type: FrameType.ACLS, requestId: frame.requestId, results: [result] };
};

export const handleCreateAcls: WsHandler<typeof FrameType.CREATE_ACLS> = async (ctx, frame) => {
  const security = withAuthorizer(ctx);
  const results = createAcls(security.acls, frame.bindings as AclBinding[]);
  await security.replicated(); // cluster mode: answered once etcd has it
  return { type: FrameType.ACLS, requestId: frame.requestId, results: results.map((r) => ({ errorCode: r.errorCode, errorMessage: r.errorMessage ?? "", bindings: [] })) };
};

export const handleDeleteAcls: WsHandler<typeof FrameType.DELETE_ACLS> = async (ctx, frame) => {
  const security = withAuthorizer(ctx);
  const filters = frame.filters.map(validFilter);
  const removed = security.acls.delete(filters.filter((f): f is AclFilter => f !== undefined));
  await security.replicated();
  let next = 0;
  const results = filters.map((f) => (f ? { errorCode: 0, errorMessage: "", bindings: removed[next++]!.map(wire) } : INVALID_FILTER));
  return { type: FrameType.ACLS, requestId: frame.requestId, results };
};
