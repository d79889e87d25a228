// SCRAM credentials (RFC 5802, RFC 7677) and the PLAIN check against them. A user's password is never
// stored: only, per mechanism, the salt, the iteration count, StoredKey and ServerKey:
//
//   SaltedPassword = PBKDF2-HMAC-H(password, salt, iterations)      (RFC 5802 "Hi")
//   ClientKey      = HMAC(SaltedPassword, "Client Key")
//   StoredKey      = H(ClientKey)
//   ServerKey      = HMAC(SaltedPassword, "Server Key")
//
// Kafka's AlterUserScramCredentials carries SaltedPassword (the client salts), so the store is built from
// it, not from the password. PLAIN is checked by deriving StoredKey from the offered password with the
// stored salt and iterations and comparing in constant time: one credential format for every mechanism.

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { InvalidArgumentError } from "../errors/index.js";
import { saslPrep, SaslPrepError } from "../protocol/saslprep.js";

const pbkdf2Async = promisify(pbkdf2);

export type ScramMechanism = "SCRAM-SHA-256" | "SCRAM-SHA-512";
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ["SCRAM-SHA-256", "SCRAM-SHA-512"];

/** Kafka's ScramMechanism enum on the wire (DescribeUserScramCredentials, AlterUserScramCredentials). */
export const ScramMechanismCode: Record<ScramMechanism, number> = { "SCRAM-SHA-256": 1, "SCRAM-SHA-512": 2 };
export function scramMechanismFromCode(code: number): ScramMechanism | undefined {
  return code === 1 ? "SCRAM-SHA-256" : code === 2 ? "SCRAM-SHA-512" : undefined;
}

/** Kafka's bounds for SCRAM iterations (ScramMechanism.minIterations/maxIterations). */
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;
export const DEFAULT_ITERATIONS = 4096;

const HASH: Record<ScramMechanism, { name: "sha256" | "sha512"; bytes: number }> = {
  "SCRAM-SHA-256": { name: "sha256", bytes: 32 },
  "SCRAM-SHA-512": { name: "sha512", bytes: 64 },
};

export function isScramMechanism(name: string): name is ScramMechanism {
  return name === "SCRAM-SHA-256" || name === "SCRAM-SHA-512";
}

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export function hmac(mechanism: ScramMechanism, key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac(HASH[mechanism].name, key).update(data).digest();
}

export function hash(mechanism: ScramMechanism, data: Uint8Array): Buffer {
  return createHash(HASH[mechanism].name).update(data).digest();
}

export function hashBytes(mechanism: ScramMechanism): number {
  return HASH[mechanism].bytes;
}

/**
 * RFC 5802's SaltedPassword := Hi(SASLprep(password), salt, i). `stored` applies SASLprep's stored-string
 * profile (a password being set: unassigned code points refused), otherwise the query profile (a password
 * being checked). ASCII passwords are unchanged by SASLprep, so Kafka clients (Kafka's ScramFormatter
 * prepares nothing) agree with us on them.
 */
export async function saltedPassword(mechanism: ScramMechanism, password: string, salt: Uint8Array, iterations: number, stored = false): Promise<Buffer> {
  let prepared: string;
  try {
    prepared = saslPrep(password, { stored });
  } catch (error) {
    if (error instanceof SaslPrepError) throw new InvalidArgumentError(`the password is not usable with SCRAM (SASLprep, RFC 4013): ${error.message}`);
    throw error;
  }
  return pbkdf2Async(Buffer.from(prepared, "utf8"), salt, iterations, HASH[mechanism].bytes, HASH[mechanism].name);
}

/** StoredKey and ServerKey from SaltedPassword (what AlterUserScramCredentials sends). */
export function credentialFromSalted(mechanism: ScramMechanism, salted: Uint8Array, salt: Uint8Array, iterations: number): ScramCredential {
  const clientKey = hmac(mechanism, salted, "Client Key");
  return { salt: Buffer.from(salt), iterations, storedKey: hash(mechanism, clientKey), serverKey: hmac(mechanism, salted, "Server Key") };
}

export async function deriveCredential(mechanism: ScramMechanism, password: string, iterations = DEFAULT_ITERATIONS, salt: Uint8Array = randomBytes(32)): Promise<ScramCredential> {
  checkIterations(iterations);
  return credentialFromSalted(mechanism, await saltedPassword(mechanism, password, salt, iterations, true), salt, iterations);
}

export function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new RangeError(`SCRAM iterations must be an integer in [${MIN_ITERATIONS}, ${MAX_ITERATIONS}], got ${iterations}`);
  }
}

/** Constant-time equality for equal-length secrets; different lengths are simply unequal. */
export function safeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** True when `password` produces the credential's StoredKey (PLAIN against a SCRAM credential). */
export async function passwordMatches(mechanism: ScramMechanism, credential: ScramCredential, password: string): Promise<boolean> {
  const salted = await saltedPassword(mechanism, password, credential.salt, credential.iterations);
  const storedKey = hash(mechanism, hmac(mechanism, salted, "Client Key"));
  return safeEqual(storedKey, credential.storedKey);
}

export function xor(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
