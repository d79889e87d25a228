// Test keys made at test time (never committed) and token signing, for the JWT, OAUTHBEARER and browser tests.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, type JWTPayload } from "jose";

export interface TestKeys {
  rsa: ReturnType<typeof generateKeyPairSync>;
  ec: ReturnType<typeof generateKeyPairSync>;
  ed: ReturnType<typeof generateKeyPairSync>;
  hmac: Buffer;
  /** Files: a PEM per asymmetric key, an oct JWK for HS256, a JWKS with the EC and Ed keys (kid ec1, ed1). */
  files: { rsaPem: string; ecPem: string; edPem: string; hsJwk: string; jwks: string };
}

export function makeKeys(dir: string): TestKeys {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ed = generateKeyPairSync("ed25519");
  const hmac = randomBytes(32);
  const files = { rsaPem: join(dir, "rsa.pem"), ecPem: join(dir, "ec.pem"), edPem: join(dir, "ed.pem"), hsJwk: join(dir, "hs.jwk"), jwks: join(dir, "jwks.json") };
  writeFileSync(files.rsaPem, rsa.publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(files.ecPem, ec.publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(files.edPem, ed.publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(files.hsJwk, JSON.stringify({ kty: "oct", k: hmac.toString("base64url") }));
  writeFileSync(files.jwks, JSON.stringify({ keys: [{ ...ec.publicKey.export({ format: "jwk" }), kid: "ec1", alg: "ES256" }, { ...ed.publicKey.export({ format: "jwk" }), kid: "ed1", alg: "EdDSA" }] }));
  return { rsa, ec, ed, hmac, files };
}

export async function sign(keys: TestKeys, alg: "RS256" | "ES256" | "EdDSA" | "HS256", claims: JWTPayload & { sub?: string }, options: { expiresInSec?: number; kid?: string; notBeforeSec?: number } = {}): Promise<string> {
  const key = alg === "RS256" ? keys.rsa.privateKey : alg === "ES256" ? keys.ec.privateKey : alg === "EdDSA" ? keys.ed.privateKey : keys.hmac;
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, ...(options.kid ? { kid: options.kid } : {}) }).setIssuedAt(now);
  if (options.expiresInSec !== undefined) jwt = jwt.setExpirationTime(now + options.expiresInSec);
  if (options.notBeforeSec !== undefined) jwt = jwt.setNotBefore(now + options.notBeforeSec);
  return jwt.sign(key as never);
}

/** `alg: none` and header-swapped tokens: what an attacker sends. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
}
