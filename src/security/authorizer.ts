// Kafka's AclAuthorizer decision, for one (principal, host, operation, resource):
//
//   1. super.users are allowed everything.
//   2. The ACLs that apply: those whose pattern matches the resource (LITERAL name, LITERAL "*", PREFIXED),
//      whose principal is the caller or User:*, and whose host is the caller's or "*".
//   3. If no ACL at all is bound to the resource (whatever principal): allow.everyone.if.no.acl.found.
//   4. Any applicable DENY for the operation (or ALL) wins.
//   5. Otherwise allowed iff an applicable ALLOW exists for the operation, ALL, or an operation that
//      implies it: READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS.

import { CLUSTER_NAME, Operation, PatternType, Permission, ResourceType, WILDCARD, patternMatches, type AclBinding } from "./acl.js";
import type { AclStore } from "./acl-store.js";
import { principalString, type Principal } from "./principal.js";

export interface AuthorizerOptions {
  /** Principals allowed everything, "User:admin". */
  superUsers?: readonly string[];
  /** Kafka's allow.everyone.if.no.acl.found. Default false. */
  allowEveryoneIfNoAclFound?: boolean;
}

export interface Authorizer {
  authorize(principal: Principal, host: string, operation: Operation, resourceType: ResourceType, name: string): boolean;
  /** Kafka's authorizeByResourceType: may the principal do `operation` on at least one resource of the type? */
  authorizeAny(principal: Principal, host: string, operation: Operation, resourceType: ResourceType): boolean;
}

const IMPLIED_BY: Partial<Record<Operation, Operation[]>> = {
  [Operation.DESCRIBE]: [Operation.DESCRIBE, Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER],
  [Operation.DESCRIBE_CONFIGS]: [Operation.DESCRIBE_CONFIGS, Operation.ALTER_CONFIGS],
};

export class AclAuthorizer implements Authorizer {
  private readonly superUsers: Set<string>;
  private readonly allowIfNoAcl: boolean;

  constructor(private readonly store: AclStore, options: AuthorizerOptions = {}) {
    this.superUsers = new Set(options.superUsers ?? []);
    this.allowIfNoAcl = options.allowEveryoneIfNoAclFound ?? false;
  }

  authorize(principal: Principal, host: string, operation: Operation, resourceType: ResourceType, name: string): boolean {
    const who = principalString(principal);
    if (this.superUsers.has(who)) return true;
    const bound = this.store.all().filter((b) => b.resourceType === resourceType && patternMatches(b.patternType, b.resourceName, name));
    if (bound.length === 0) return this.allowIfNoAcl;
    const applies = (b: AclBinding) => (b.principal === who || b.principal === "User:*") && (b.host === host || b.host === WILDCARD);
    const mine = bound.filter(applies);
    if (mine.some((b) => b.permission === Permission.DENY && (b.operation === operation || b.operation === Operation.ALL))) return false;
    const granting = IMPLIED_BY[operation] ?? [operation];
    return mine.some((b) => b.permission === Permission.ALLOW && (b.operation === Operation.ALL || granting.includes(b.operation)));
  }

  authorizeAny(principal: Principal, host: string, operation: Operation, resourceType: ResourceType): boolean {
    const who = principalString(principal);
    if (this.superUsers.has(who)) return true;
    const mine = this.store.all().filter((b) => b.resourceType === resourceType && (b.principal === who || b.principal === "User:*") && (b.host === host || b.host === WILDCARD));
    const matchesOp = (b: AclBinding) => b.operation === operation || b.operation === Operation.ALL;
    const denies = mine.filter((b) => b.permission === Permission.DENY && matchesOp(b));
    // A DENY covers an ALLOW when it applies to every name the ALLOW does.
    const covered = (allow: AclBinding) =>
      denies.some((d) =>
        (d.patternType === PatternType.LITERAL && d.resourceName === WILDCARD) ||
        (d.patternType === PatternType.PREFIXED && allow.resourceName.startsWith(d.resourceName) && allow.resourceName !== WILDCARD) ||
        (d.patternType === PatternType.LITERAL && allow.patternType === PatternType.LITERAL && d.resourceName === allow.resourceName),
      );
    return mine.some((b) => b.permission === Permission.ALLOW && matchesOp(b) && !covered(b));
  }
}

export { CLUSTER_NAME };
