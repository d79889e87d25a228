// Authorization helpers for Kafka handlers: who is asking (the connection's principal and bare host) and
// whether they may do an operation. With no authorizer configured every check passes.

import { ANONYMOUS, CLUSTER_NAME, ResourceType, type Operation, type Principal, type ResourceType as RT } from "../../../security/index.js";
import type { KafkaBrokerContext, RequestInfo } from "./context.js";

export function principalOf(info: RequestInfo): Principal {
  return info.auth?.principal ?? ANONYMOUS;
}

export function hostOf(info: RequestInfo): string {
  return info.auth?.host ?? info.clientHost.replace(/^\//, "");
}

export function may(ctx: KafkaBrokerContext, info: RequestInfo, operation: Operation, resourceType: RT, name: string): boolean {
  return ctx.security?.authorizer === undefined || ctx.security.allowed(principalOf(info), hostOf(info), operation, resourceType, name);
}

export function mayCluster(ctx: KafkaBrokerContext, info: RequestInfo, operation: Operation): boolean {
  return may(ctx, info, operation, ResourceType.CLUSTER, CLUSTER_NAME);
}

export function mayAny(ctx: KafkaBrokerContext, info: RequestInfo, operation: Operation, resourceType: RT): boolean {
  return ctx.security?.authorizer === undefined || ctx.security.allowedAny(principalOf(info), hostOf(info), operation, resourceType);
}
