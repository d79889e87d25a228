// Principals: who a connection is, in Kafka's KafkaPrincipal form `<type>:<name>` (we only mint `User:`).
// Both front ends resolve a connection to exactly one principal: ANONYMOUS until it authenticates, then the
// SASL/JWT identity. ACLs, super.users and logs all use the string form, so one model serves both doors.

export interface Principal {
  readonly type: "User";
  readonly name: string;
}

export const ANONYMOUS: Principal = Object.freeze({ type: "User", name: "ANONYMOUS" });

export function userPrincipal(name: string): Principal {
  return { type: "User", name };
}

export function principalString(p: Principal): string {
  return `${p.type}:${p.name}`;
}

/** Parses `User:alice` (the form ACLs and super.users use). Anything else is an InvalidArgument. */
export function parsePrincipal(text: string): Principal | undefined {
  const at = text.indexOf(":");
  if (at <= 0 || text.slice(0, at) !== "User" || at === text.length - 1) return undefined;
  return userPrincipal(text.slice(at + 1));
}
