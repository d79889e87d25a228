// `rivulet serve` flags for authentication and authorization (docs/security.md), kept apart from serve.ts
// so the config-file work can route the same settings without touching them.

import type { Flags } from "./args.js";
import { UsageError } from "./errors.js";
import { SASL_MECHANISMS, type SaslMechanism, type SecurityConfig } from "../security/index.js";

export const securityFlags = {
  "require-auth": { kind: "boolean", description: "every Kafka connection must complete SASL and every WebSocket must send AUTH first", env: "RIVULET_REQUIRE_AUTH" },
  "sasl-mechanisms": { kind: "string", description: `SASL mechanisms offered, comma-separated (${SASL_MECHANISMS.join(",")}; default all, OAUTHBEARER only with a JWT key)`, env: "RIVULET_SASL_MECHANISMS", placeholder: "LIST" },
  "jwt-key": { kind: "string", description: "JWT verification key: PEM public key/certificate or JWK file (an oct JWK is an HS256 secret)", env: "RIVULET_JWT_KEY", placeholder: "FILE" },
  "jwt-jwks": { kind: "string", description: "JWT verification keys as a JWKS file", env: "RIVULET_JWT_JWKS", placeholder: "FILE" },
  "jwt-audience": { kind: "string", description: "required JWT aud (comma-separated: any of)", env: "RIVULET_JWT_AUDIENCE", placeholder: "AUD" },
  "jwt-issuer": { kind: "string", description: "required JWT iss", env: "RIVULET_JWT_ISSUER", placeholder: "ISS" },
  "jwt-principal-claim": { kind: "string", description: "JWT claim naming the principal", default: "sub", env: "RIVULET_JWT_PRINCIPAL_CLAIM", placeholder: "CLAIM" },
  "jwt-algorithms": { kind: "string", description: "accepted JWT algorithms, comma-separated (HS256,RS256,ES256,EdDSA)", env: "RIVULET_JWT_ALGORITHMS", placeholder: "LIST" },
  "auth-failure-delay-ms": { kind: "integer", description: "delay before answering a failed authentication (Kafka connection.failed.authentication.delay.ms)", default: 100, min: 0, env: "RIVULET_AUTH_FAILURE_DELAY_MS" },
  "token-expiry-grace-ms": { kind: "integer", description: "how long a WebSocket stays open after its token expired, for a fresh AUTH", default: 30000, min: 0, env: "RIVULET_TOKEN_EXPIRY_GRACE_MS" },
  "connections-max-reauth-ms": { kind: "integer", description: "longest session an authentication opens before the client must re-authenticate (Kafka connections.max.reauth.ms; 0 = as long as the credential)", default: 0, min: 0, env: "RIVULET_CONNECTIONS_MAX_REAUTH_MS" },
  authorizer: { kind: "string", description: "enable authorization with ACLs (off by default: every request allowed)", choices: ["acl"], env: "RIVULET_AUTHORIZER", placeholder: "acl" },
  "super-users": { kind: "string", description: "principals allowed everything, semicolon- or comma-separated (User:admin;User:ops)", env: "RIVULET_SUPER_USERS", placeholder: "LIST" },
  "allow-everyone-if-no-acl-found": { kind: "boolean", description: "allow access to resources no ACL mentions (Kafka allow.everyone.if.no.acl.found)", env: "RIVULET_ALLOW_EVERYONE_IF_NO_ACL_FOUND" },
} as const;

const list = (text: string | undefined, separator = /,/) => (text === undefined ? undefined : text.split(separator).map((s) => s.trim()).filter(Boolean));

export function securityConfig(flags: Flags<typeof securityFlags>): SecurityConfig {
  const mechanisms = list(flags["sasl-mechanisms"]);
  for (const m of mechanisms ?? []) if (!(SASL_MECHANISMS as readonly string[]).includes(m)) throw new UsageError(`--sasl-mechanisms: unknown mechanism ${m} (use ${SASL_MECHANISMS.join(", ")})`);
  if (flags["jwt-key"] && flags["jwt-jwks"]) throw new UsageError("--jwt-key and --jwt-jwks are exclusive");
  const audience = list(flags["jwt-audience"]);
  return {
    requireAuthentication: flags["require-auth"],
    mechanisms: mechanisms as SaslMechanism[] | undefined,
    jwt: flags["jwt-key"] || flags["jwt-jwks"]
      ? { keyFile: flags["jwt-key"], jwksFile: flags["jwt-jwks"], audience: audience && audience.length === 1 ? audience[0] : audience, issuer: flags["jwt-issuer"], principalClaim: flags["jwt-principal-claim"], algorithms: list(flags["jwt-algorithms"]) }
      : undefined,
    failedAuthenticationDelayMs: flags["auth-failure-delay-ms"],
    tokenExpiryGraceMs: flags["token-expiry-grace-ms"],
    maxReauthMs: flags["connections-max-reauth-ms"],
    authorizer: flags.authorizer as "acl" | undefined,
    superUsers: list(flags["super-users"], /[;,]/),
    allowEveryoneIfNoAclFound: flags["allow-everyone-if-no-acl-found"],
  };
}
