// Server side of the SASL mechanisms, as message-in/message-out exchanges with no I/O, shared by Kafka's
// SaslAuthenticate and the WebSocket AUTH frame:
//
//   PLAIN         one step: "authzid\0user\0password", checked against the user's SCRAM credential
//   SCRAM-SHA-*   two steps: client-first -> server-first, client-final -> server-final (RFC 5802)
//   OAUTHBEARER   RFC 7628 client response "n,,\x01auth=Bearer <jwt>\x01\x01", a verified JWT; a token that does
//                 not verify gets the error challenge {"status":"invalid_token"}, then fails on the client's %x01
//
// Every failure is an AuthenticationFailedError with a generic message for the client (no hint whether
// the user exists); the precise reason goes in `detail` for the log. An unknown SCRAM user gets a
// deterministic fake salt and runs the exchange to its end, so the reply does not reveal that either.

import { createHmac, randomBytes } from "node:crypto";
import { KafkaProtocolError } from "../errors/index.js";
import type { JwtVerifier } from "./jwt.js";
import { userPrincipal, type Principal } from "./principal.js";
import { hash, hashBytes, hmac, passwordMatches, safeEqual, SCRAM_MECHANISMS, xor, type ScramCredential, type ScramMechanism } from "./scram.js";
import type { UserStore } from "./user-store.js";

export const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export function isSaslMechanism(name: string): name is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(name);
}

export class AuthenticationFailedError extends KafkaProtocolError {
  constructor(message: string, readonly detail: string) {
    super("SASL_AUTHENTICATION_FAILED", message);
  }
}

export interface AuthResult {
  principal: Principal;
  /** When the credential stops being valid (JWT exp), ms since the epoch; undefined = never. */
  expiresAtMs?: number;
}

export interface SaslStep {
  /** Bytes for the client (server-first, server-final; empty for PLAIN and OAUTHBEARER). */
  challenge: Uint8Array;
  /** Set when the exchange completed successfully. */
  result?: AuthResult;
}

export interface SaslExchange {
  readonly mechanism: SaslMechanism;
  step(input: Uint8Array): Promise<SaslStep>;
}

export interface SaslDeps {
  users: UserStore;
  jwt: JwtVerifier | undefined;
  /** Keys the fake salts of unknown users (random per process). */
  fakeSaltKey: Uint8Array;
}

const latin = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const fail = (detail: string, mechanism: string): never => {
  throw new AuthenticationFailedError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`, detail);
};

export function createExchange(mechanism: SaslMechanism, deps: SaslDeps): SaslExchange {
  switch (mechanism) {
    case "PLAIN":
      return new PlainExchange(deps);
    case "OAUTHBEARER":
      return new OAuthBearerExchange(deps);
    default:
      return new ScramExchange(mechanism, deps);
  }
}

class PlainExchange implements SaslExchange {
  readonly mechanism = "PLAIN" as const;
  private done = false;
  constructor(private readonly deps: SaslDeps) {}

  async step(input: Uint8Array): Promise<SaslStep> {
    if (this.done) fail("PLAIN takes one message", this.mechanism);
    this.done = true;
    const parts = latin(input).split("\u0000");
    if (parts.length !== 3) fail("malformed PLAIN message", this.mechanism);
    const [authzid, user, password] = parts as [string, string, string];
    if (user.length === 0 || password.length === 0) fail("empty user or password", this.mechanism);
    if (authzid.length > 0 && authzid !== user) fail(`authorization id ${authzid} differs from ${user}`, this.mechanism);
    const mechanism: ScramMechanism = this.deps.users.get(user, "SCRAM-SHA-256") ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
    const credential = this.deps.users.get(user, mechanism);
    // An unknown user still costs one PBKDF2 run, so timing does not tell users apart.
    const ok = await passwordMatches(mechanism, credential ?? fakeCredential(mechanism, user, this.deps.fakeSaltKey), password);
    if (!ok || !credential) fail(credential ? `wrong password for ${user}` : `unknown user ${user}`, this.mechanism);
    return { challenge: new Uint8Array(0), result: { principal: userPrincipal(user) } };
  }
}

function fakeCredential(mechanism: ScramMechanism, user: string, key: Uint8Array): ScramCredential {
  const salt = createHmac("sha256", key).update(`salt:${mechanism}:${user}`).digest();
  return { salt, iterations: 4096, storedKey: randomBytes(hashBytes(mechanism)), serverKey: randomBytes(hashBytes(mechanism)) };
}

/** RFC 5802 saslname: "=2C" is ",", "=3D" is "=", any other "=" is malformed. */
function decodeSaslName(name: string): string | undefined {
  if (/=(?!2C|3D)/.test(name)) return undefined;
  return name.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

class ScramExchange implements SaslExchange {
  private state: "first" | "final" | "done" = "first";
  private user = "";
  private known = false;
  private credential!: ScramCredential;
  private gs2Header = "";
  private clientFirstBare = "";
  private serverFirst = "";
  private nonce = "";

  constructor(readonly mechanism: ScramMechanism, private readonly deps: SaslDeps) {}

  async step(input: Uint8Array): Promise<SaslStep> {
    if (this.state === "first") return this.first(latin(input));
    if (this.state === "final") return this.final(latin(input));
    return fail("SCRAM exchange already finished", this.mechanism);
  }

  private first(message: string): SaslStep {
    this.state = "final";
    // gs2-header: cbind-flag "," [authzid] ","; we offer no channel binding, so "p=" is refused.
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(message);
    if (!m) return fail("malformed client-first message", this.mechanism);
    this.gs2Header = message.slice(0, message.length - m[3]!.length);
    this.clientFirstBare = m[3]!;
    const attrs = this.clientFirstBare.split(",");
    if (!attrs[0]?.startsWith("n=") || !attrs[1]?.startsWith("r=")) return fail("client-first lacks n= or r=", this.mechanism);
    const user = decodeSaslName(attrs[0].slice(2));
    const clientNonce = attrs[1].slice(2);
    if (user === undefined || user.length === 0) return fail("bad user name", this.mechanism);
    if (!PRINTABLE_NONCE.test(clientNonce)) return fail("bad client nonce", this.mechanism);
    if (attrs.some((a) => a.startsWith("m="))) return fail("mandatory extension", this.mechanism);
    if (m[2] && decodeSaslName(m[2].slice(2)) !== user) return fail("authorization id differs from user", this.mechanism);
    this.user = user;
    const credential = this.deps.users.get(user, this.mechanism);
    this.known = credential !== undefined;
    this.credential = credential ?? fakeCredential(this.mechanism, user, this.deps.fakeSaltKey);
    this.nonce = clientNonce + randomBytes(24).toString("base64");
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString("base64")},i=${this.credential.iterations}`;
    return { challenge: Buffer.from(this.serverFirst, "utf8") };
  }

  private final(message: string): SaslStep {
    this.state = "done";
    const m = /^c=([^,]*),r=([^,]*),(?:.*,)?p=([^,]*)$/s.exec(message);
    if (!m) return fail("malformed client-final message", this.mechanism);
    const withoutProof = message.slice(0, message.lastIndexOf(",p="));
    if (!safeEqual(Buffer.from(m[1]!, "utf8"), Buffer.from(Buffer.from(this.gs2Header, "utf8").toString("base64"), "utf8"))) return fail("channel binding mismatch", this.mechanism);
    // Kafka's ScramSaslServer accepts a client nonce that *ends with* the server's (endsWith, not equality),
    // and librdkafka relies on it: it sends r=<client nonce><server nonce> where the server nonce already
    // starts with the client's. The full r= is part of AuthMessage, so the proof still binds it.
    const sent = m[2]!;
    if (sent.length < this.nonce.length || !safeEqual(Buffer.from(sent.slice(sent.length - this.nonce.length), "utf8"), Buffer.from(this.nonce, "utf8"))) return fail("nonce mismatch", this.mechanism);
    const proof = Buffer.from(m[3]!, "base64");
    if (proof.length !== hashBytes(this.mechanism)) return fail("proof of wrong length", this.mechanism);
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.mechanism, this.credential.storedKey, authMessage);
    const clientKey = xor(proof, clientSignature);
    if (!safeEqual(hash(this.mechanism, clientKey), this.credential.storedKey) || !this.known) {
      return fail(this.known ? `wrong password for ${this.user}` : `unknown user ${this.user}`, this.mechanism);
    }
    const serverSignature = hmac(this.mechanism, this.credential.serverKey, authMessage);
    return { challenge: Buffer.from(`v=${serverSignature.toString("base64")}`, "utf8"), result: { principal: userPrincipal(this.user) } };
  }
}

/**
 * RFC 7628's server side. A malformed client response fails at once; a well-formed one whose token does
 * not verify gets the error challenge first (section 3.2.2: a JSON status, here {"status":"invalid_token"},
 * as Kafka's OAuthBearerSaslServer sends), and the exchange fails when the client answers it with the
 * single %x01 byte the RFC requires (anything else fails too).
 */
class OAuthBearerExchange implements SaslExchange {
  readonly mechanism = "OAUTHBEARER" as const;
  private done = false;
  /** Why the token was refused, while the error challenge awaits the client's %x01. */
  private refused: string | undefined;
  constructor(private readonly deps: SaslDeps) {}

  async step(input: Uint8Array): Promise<SaslStep> {
    if (this.refused !== undefined) {
      const acknowledged = input.length === 1 && input[0] === 0x01;
      return fail(acknowledged ? this.refused : `${this.refused} (and the client did not acknowledge the error challenge with %x01)`, this.mechanism);
    }
    if (this.done) fail("OAUTHBEARER takes one message", this.mechanism);
    this.done = true;
    if (!this.deps.jwt) return fail("no JWT key configured", this.mechanism);
    // gs2-header, then kvpairs separated by \x01, ending in \x01\x01 (RFC 7628 §3.1).
    const text = latin(input);
    const parts = text.split("\u0001");
    const gs2 = /^[ny],(?:a=([^,]*))?,$/.exec(parts[0] ?? "");
    if (!gs2 || !text.endsWith("\u0001\u0001")) return fail("malformed OAUTHBEARER client response", this.mechanism);
    let token: string | undefined;
    for (const kv of parts.slice(1)) {
      const eq = kv.indexOf("=");
      if (eq > 0 && kv.slice(0, eq) === "auth") token = /^Bearer +(\S+)$/i.exec(kv.slice(eq + 1))?.[1];
    }
    if (!token) return fail("no bearer token", this.mechanism);
    let verified;
    try {
      verified = await this.deps.jwt.verify(token);
    } catch (error) {
      return this.challengeError((error as Error).message);
    }
    if (gs2[1] && decodeSaslName(gs2[1]) !== verified.principal.name) return this.challengeError("authorization id differs from the token's principal");
    return { challenge: new Uint8Array(0), result: verified };
  }

  private challengeError(reason: string): SaslStep {
    this.refused = reason;
    return { challenge: new TextEncoder().encode(JSON.stringify({ status: "invalid_token" })) };
  }
}

export { SCRAM_MECHANISMS };
