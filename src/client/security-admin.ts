// Users (SCRAM credentials) and ACLs over the WebSocket protocol: the request builders and answer checks
// behind Admin's describeUsers/upsertUser/deleteUser and describeAcls/createAcls/deleteAcls. Passwords are
// salted here (WebCrypto PBKDF2, in the browser as in Node): the broker receives salt, iterations and
// SaltedPassword, as Kafka's AlterUserScramCredentials, never the password.

import { Operation, PatternType, Permission, ResourceType } from "../protocol/acl-codes.js";
import { saslPrep } from "../protocol/saslprep.js";
import { FrameType, type AclBindingWire, type AclFilterWire, type ServerFrame } from "../protocol/ws/index.js";
import { errorFromCode } from "./errors.js";

export type ScramMechanismName = "SCRAM-SHA-256" | "SCRAM-SHA-512";

export interface UserCredentials {
  user: string;
  credentials: { mechanism: string; iterations: number }[];
}

type Named<T extends Record<string, number>> = keyof T | Lowercase<keyof T & string> | number;

/** An ACL binding; codes by name ("topic", "prefixed", "read", "allow") or Kafka's numbers. */
export interface AclBindingInput {
  resourceType: Named<typeof ResourceType>;
  resourceName: string;
  patternType?: Named<typeof PatternType>;
  principal: string;
  host?: string;
  operation: Named<typeof Operation>;
  permission?: Named<typeof Permission>;
}

/** An ACL filter: omitted fields match everything (ANY, null), as Kafka's AclBindingFilter. */
export type AclFilterInput = { [K in keyof AclBindingInput]?: AclBindingInput[K] | null };

function code<T extends Record<string, number>>(table: T, what: string, value: Named<T> | undefined | null, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number") return value;
  const v = table[String(value).toUpperCase().replace(/-/g, "_")];
  if (v === undefined) throw new TypeError(`unknown ${what} ${String(value)} (one of ${Object.keys(table).join(", ")})`);
  return v;
}

export function bindingWire(b: AclBindingInput): AclBindingWire {
  return {
    resourceType: code(ResourceType, "resource type", b.resourceType, ResourceType.UNKNOWN),
    resourceName: b.resourceName,
    patternType: code(PatternType, "pattern type", b.patternType, PatternType.LITERAL),
    principal: b.principal,
    host: b.host ?? "*",
    operation: code(Operation, "operation", b.operation, Operation.UNKNOWN),
    permission: code(Permission, "permission", b.permission, Permission.ALLOW),
  };
}

export function filterWire(f: AclFilterInput = {}): AclFilterWire {
  return {
    resourceType: code(ResourceType, "resource type", f.resourceType, ResourceType.ANY),
    resourceName: f.resourceName ?? null,
    patternType: code(PatternType, "pattern type", f.patternType, PatternType.ANY),
    principal: f.principal ?? null,
    host: f.host ?? null,
    operation: code(Operation, "operation", f.operation, Operation.ANY),
    permission: code(Permission, "permission", f.permission, Permission.ANY),
  };
}

export function usersOf(frame: ServerFrame): Extract<ServerFrame, { type: typeof FrameType.USERS }>["users"] {
  if (frame.type !== FrameType.USERS) throw new Error(`unexpected response frame 0x${frame.type.toString(16)}`);
  return frame.users;
}

export function aclResultsOf(frame: ServerFrame): Extract<ServerFrame, { type: typeof FrameType.ACLS }>["results"] {
  if (frame.type !== FrameType.ACLS) throw new Error(`unexpected response frame 0x${frame.type.toString(16)}`);
  return frame.results;
}

/** Throws the first per-item error of an answer, naming its item. */
export function throwFirst(items: { errorCode: number; errorMessage: string }[], name: (i: number) => string): void {
  const i = items.findIndex((x) => x.errorCode !== 0);
  if (i >= 0) throw errorFromCode(items[i]!.errorCode, "", `${name(i)}: ${items[i]!.errorMessage}`);
}

/** RFC 5802's SaltedPassword := Hi(SASLprep(password), salt, i), with a fresh 32-byte salt. */
export async function saltPassword(mechanism: ScramMechanismName, password: string, iterations: number): Promise<{ salt: Uint8Array; saltedPassword: Uint8Array }> {
  const hash = mechanism === "SCRAM-SHA-256" ? "SHA-256" : "SHA-512";
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(saslPrep(password)) as BufferSource, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt: salt as BufferSource, iterations }, base, hash === "SHA-256" ? 256 : 512);
  return { salt, saltedPassword: new Uint8Array(bits) };
}
