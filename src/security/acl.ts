// The ACL model, Kafka's (org.apache.kafka.common.acl): a binding is a resource pattern plus an access
// control entry. Numeric codes are Kafka's wire values, so CreateAcls/DescribeAcls/DeleteAcls carry them
// unchanged.
//
//   pattern  = (resourceType, name, patternType)      LITERAL "orders", LITERAL "*" (every name),
//                                                      PREFIXED "orders-" (every name starting with it)
//   entry    = (principal "User:alice" | "User:*", host "1.2.3.4" | "*", operation, ALLOW | DENY)

import { CLUSTER_NAME, Operation, PatternType, Permission, ResourceType } from "../protocol/acl-codes.js";

export { CLUSTER_NAME, Operation, PatternType, Permission, ResourceType };
export const WILDCARD = "*";

export interface AclBinding {
  resourceType: ResourceType;
  resourceName: string;
  patternType: PatternType;
  principal: string;
  host: string;
  operation: Operation;
  permission: Permission;
}

/** A filter (DescribeAcls, DeleteAcls): null strings and ANY codes match everything. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

const named = <T extends Record<string, number>>(table: T) => new Map(Object.entries(table).map(([k, v]) => [v, k]));
const RESOURCE_NAMES = named(ResourceType);
const PATTERN_NAMES = named(PatternType);
const OPERATION_NAMES = named(Operation);
const PERMISSION_NAMES = named(Permission);

export const resourceTypeName = (v: number) => RESOURCE_NAMES.get(v) ?? `UNKNOWN(${v})`;
export const patternTypeName = (v: number) => PATTERN_NAMES.get(v) ?? `UNKNOWN(${v})`;
export const operationName = (v: number) => OPERATION_NAMES.get(v) ?? `UNKNOWN(${v})`;
export const permissionName = (v: number) => PERMISSION_NAMES.get(v) ?? `UNKNOWN(${v})`;

function parseName<T extends Record<string, number>>(table: T, what: string, text: string): T[keyof T] {
  const key = text.toUpperCase().replace(/-/g, "_");
  const v = table[key];
  if (v === undefined) throw new RangeError(`unknown ${what} ${text} (one of ${Object.keys(table).join(", ")})`);
  return v as T[keyof T];
}
export const parseResourceType = (t: string) => parseName(ResourceType, "resource type", t);
export const parsePatternType = (t: string) => parseName(PatternType, "pattern type", t);
export const parseOperation = (t: string) => parseName(Operation, "operation", t);
export const parsePermission = (t: string) => parseName(Permission, "permission", t);

/** Why a binding cannot be stored (CreateAcls answers INVALID_REQUEST with it), or undefined. */
export function invalidBinding(b: AclBinding): string | undefined {
  if (![ResourceType.TOPIC, ResourceType.GROUP, ResourceType.CLUSTER, ResourceType.TRANSACTIONAL_ID].includes(b.resourceType as never)) return `resource type ${resourceTypeName(b.resourceType)} cannot carry ACLs`;
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED) return `pattern type ${patternTypeName(b.patternType)} cannot be stored (LITERAL or PREFIXED)`;
  if (b.resourceName.length === 0) return "empty resource name";
  if (b.patternType === PatternType.PREFIXED && b.resourceName === WILDCARD) return "a PREFIXED pattern cannot be '*'";
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_NAME) return `the cluster resource is named ${CLUSTER_NAME}`;
  if (!/^User:./.test(b.principal)) return `principal ${b.principal} is not of the form User:<name>`;
  if (b.host.length === 0) return "empty host";
  if (b.operation < Operation.ALL || b.operation > Operation.IDEMPOTENT_WRITE) return `operation ${operationName(b.operation)} cannot be stored`;
  if (b.permission !== Permission.ALLOW && b.permission !== Permission.DENY) return `permission ${permissionName(b.permission)} cannot be stored`;
  return undefined;
}

/** Whether a stored pattern applies to a concrete resource name. */
export function patternMatches(patternType: number, patternName: string, name: string): boolean {
  if (patternType === PatternType.LITERAL) return patternName === WILDCARD || patternName === name;
  if (patternType === PatternType.PREFIXED) return name.startsWith(patternName);
  return false;
}

/** Kafka's AclBindingFilter.matches, including MATCH (the patterns that would apply to a name). */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType === PatternType.MATCH) {
    if (f.resourceName !== null && !(b.resourceName === f.resourceName || patternMatches(b.patternType, b.resourceName, f.resourceName))) return false;
  } else {
    if (f.patternType !== PatternType.ANY && f.patternType !== b.patternType) return false;
    if (f.resourceName !== null && f.resourceName !== b.resourceName) return false;
  }
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== Operation.ANY && f.operation !== b.operation) return false;
  if (f.permission !== Permission.ANY && f.permission !== b.permission) return false;
  return true;
}

export function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return a.resourceType === b.resourceType && a.resourceName === b.resourceName && a.patternType === b.patternType && a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permission === b.permission;
}

export function describeBinding(b: AclBinding): string {
  return `${permissionName(b.permission)} ${b.principal} from ${b.host} ${operationName(b.operation)} on ${resourceTypeName(b.resourceType)} ${patternTypeName(b.patternType)} ${b.resourceName}`;
}
