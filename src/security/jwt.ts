// JWT verification with `jose`, shared by the WebSocket AUTH frame and Kafka's OAUTHBEARER.
//
// Keys come from one file: a PEM public key or certificate (RS256/ES256/EdDSA), a JWK (an `oct` JWK is an
// HS256 secret), or a JWKS (`{"keys": [...]}`, the key picked by `kid`). Only signed tokens with an
// algorithm in the allow-list are accepted: `alg: none` and unsigned tokens never verify (jose refuses them
// outside UnsecuredJWT, and the list excludes them). `exp` is required (a session must end); `nbf`, `aud`
// and `iss` are checked when configured. The principal is `User:<claim>` (default claim `sub`).

import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createLocalJWKSet, jwtVerify, type JWK, type JWTVerifyGetKey } from "jose";
import { InvalidArgumentError } from "../errors/index.js";
import { userPrincipal, type Principal } from "./principal.js";

export const JWT_ALGORITHMS = ["HS256", "RS256", "ES256", "EdDSA"] as const;

export interface JwtConfig {
  /** A PEM public key/certificate or a JWK (JSON) file. One of keyFile / jwksFile. */
  keyFile?: string;
  /** A JWKS file (`{"keys": [...]}`). */
  jwksFile?: string;
  /** Accepted `aud` (any of). Unchecked when unset. */
  audience?: string | string[];
  /** Required `iss`. Unchecked when unset. */
  issuer?: string;
  /** Claim that names the principal. Default `sub`. */
  principalClaim?: string;
  /** Allowed algorithms (subset of HS256, RS256, ES256, EdDSA). Default: all four. */
  algorithms?: string[];
  /** Clock skew tolerated on exp/nbf, seconds. Default 30. */
  clockToleranceSec?: number;
}

export interface VerifiedToken {
  principal: Principal;
  /** `exp` in milliseconds since the epoch. */
  expiresAtMs: number;
}

/** A token that does not verify; the message says why (logged, never sent to the client in detail). */
export class TokenRejectedError extends Error {}

export class JwtVerifier {
  private readonly key: KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: JwtConfig) {
    if (!!config.keyFile === !!config.jwksFile) throw new InvalidArgumentError("JWT verification needs exactly one of a key file or a JWKS file");
    this.algorithms = config.algorithms ?? [...JWT_ALGORITHMS];
    for (const a of this.algorithms) {
      if (!(JWT_ALGORITHMS as readonly string[]).includes(a)) throw new InvalidArgumentError(`JWT algorithm ${a} is not supported (use ${JWT_ALGORITHMS.join(", ")})`);
    }
    this.key = config.jwksFile ? createLocalJWKSet(JSON.parse(readFileSync(config.jwksFile, "utf8"))) : loadKey(readFileSync(config.keyFile!, "utf8"));
  }

  async verify(token: string): Promise<VerifiedToken> {
    let payload: Record<string, unknown>;
    try {
      const options = {
        algorithms: this.algorithms,
        audience: this.config.audience,
        issuer: this.config.issuer,
        clockTolerance: this.config.clockToleranceSec ?? 30,
        requiredClaims: ["exp"],
      };
      const result = typeof this.key === "function" ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      payload = result.payload as Record<string, unknown>;
    } catch (error) {
      throw new TokenRejectedError(`token rejected: ${(error as Error).message}`);
    }
    const claim = this.config.principalClaim ?? "sub";
    const name = payload[claim];
    if (typeof name !== "string" || name.length === 0) throw new TokenRejectedError(`token has no string claim ${claim}`);
    return { principal: userPrincipal(name), expiresAtMs: (payload.exp as number) * 1000 };
  }
}

function loadKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN")) return createPublicKey(trimmed);
  let jwk: JWK;
  try {
    jwk = JSON.parse(trimmed) as JWK;
  } catch {
    throw new InvalidArgumentError("the JWT key file is neither PEM nor a JWK");
  }
  if ((jwk as { keys?: unknown }).keys) throw new InvalidArgumentError("the JWT key file holds a JWKS: pass it as the JWKS file");
  if (jwk.kty === "oct") {
    if (!jwk.k) throw new InvalidArgumentError("an oct JWK needs its k");
    const secret = Buffer.from(jwk.k, "base64url");
    // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    if (secret.length < 32) throw new InvalidArgumentError("an HS256 secret must be at least 32 bytes");
    return createSecretKey(secret);
  }
  // Only the public part is kept even if a private JWK was given.
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk as JWK & Record<string, unknown>;
  return createPublicKey({ key: publicJwk as never, format: "jwk" });
}
