// Client-side authentication for the WebSocket protocol (docs/security.md): the AUTH frame with a JWT
// (a fixed token or a provider called for each (re-)authentication) or SCRAM over WebCrypto, so the same
// code runs in browsers and Node. The connection calls `authenticate` after WELCOME, before anything else,
// and again before a token's session ends (sessionLifetimeMs), so the server never closes it with 4012.

import { FrameType, type ClientFrame, type ServerFrame } from "../protocol/ws/frames.js";
import { saslPrep } from "../protocol/saslprep.js";

export type AuthOptions =
  | { token: string }
  | { tokenProvider: () => Promise<string> | string }
  | { username: string; password: string; mechanism?: "SCRAM-SHA-256" | "SCRAM-SHA-512" | "PLAIN" };

type AuthFrameInput = Omit<Extract<ClientFrame, { type: typeof FrameType.AUTH }>, "requestId">;
/** Sends one AUTH frame and resolves with its AUTH_RESULT (rejects on ERROR). */
export type AuthExchange = (frame: AuthFrameInput) => Promise<ServerFrame>;

export interface AuthOutcome {
  principal: string;
  /** ms until the server ends the session; undefined = never. */
  sessionLifetimeMs: number | undefined;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

export async function authenticate(auth: AuthOptions, exchange: AuthExchange): Promise<AuthOutcome> {
  if ("token" in auth || "tokenProvider" in auth) {
    const token = "token" in auth ? auth.token : await auth.tokenProvider();
    return outcome(await exchange({ type: FrameType.AUTH, mechanism: "JWT", payload: utf8.encode(token) }));
  }
  const mechanism = auth.mechanism ?? "SCRAM-SHA-256";
  if (mechanism === "PLAIN") {
    return outcome(await exchange({ type: FrameType.AUTH, mechanism, payload: utf8.encode(`\u0000${auth.username}\u0000${auth.password}`) }));
  }
  const scram = new WebScram(mechanism, auth.username, auth.password);
  const first = await exchange({ type: FrameType.AUTH, mechanism, payload: utf8.encode(scram.first()) });
  if (first.type !== FrameType.AUTH_RESULT || first.complete) throw new Error("SCRAM: expected server-first");
  const final = await exchange({ type: FrameType.AUTH, mechanism, payload: utf8.encode(await scram.final(text.decode(first.payload))) });
  if (final.type !== FrameType.AUTH_RESULT) throw new Error("SCRAM: expected server-final");
  await scram.verify(text.decode(final.payload));
  return outcome(final);
}

function outcome(frame: ServerFrame): AuthOutcome {
  if (frame.type !== FrameType.AUTH_RESULT || !frame.complete) throw new Error("authentication did not complete");
  return { principal: frame.principal, sessionLifetimeMs: frame.sessionLifetimeMs < 0n ? undefined : Number(frame.sessionLifetimeMs) };
}

// ---- SCRAM (RFC 5802) over WebCrypto ----------------------------------------------------------------------

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

class WebScram {
  private readonly hash: "SHA-256" | "SHA-512";
  private readonly nonce: string;
  private clientFirstBare = "";
  private serverSignature: Uint8Array | undefined;

  constructor(mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512", private readonly user: string, private readonly password: string) {
    this.hash = mechanism === "SCRAM-SHA-256" ? "SHA-256" : "SHA-512";
    this.nonce = b64(crypto.getRandomValues(new Uint8Array(18)));
  }

  first(): string {
    this.clientFirstBare = `n=${this.user.replace(/=/g, "=3D").replace(/,/g, "=2C")},r=${this.nonce}`;
    return `n,,${this.clientFirstBare}`;
  }

  private async hmac(key: Uint8Array, data: string | Uint8Array): Promise<Uint8Array> {
    const k = await crypto.subtle.importKey("raw", key as BufferSource, { name: "HMAC", hash: this.hash }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", k, (typeof data === "string" ? utf8.encode(data) : data) as BufferSource));
  }

  async final(serverFirst: string): Promise<string> {
    const attrs = Object.fromEntries(serverFirst.split(",").map((kv) => [kv.slice(0, 1), kv.slice(2)]));
    const nonce = attrs.r ?? "";
    if (!nonce.startsWith(this.nonce) || nonce.length <= this.nonce.length) throw new Error("SCRAM: the server's nonce does not extend ours");
    const iterations = Number(attrs.i);
    if (!Number.isInteger(iterations) || iterations < 4096 || iterations > 1_000_000) throw new Error(`SCRAM: unacceptable iteration count ${attrs.i}`);
    const base = await crypto.subtle.importKey("raw", utf8.encode(saslPrep(this.password, { stored: false })), "PBKDF2", false, ["deriveBits"]);
    const bits = this.hash === "SHA-256" ? 256 : 512;
    const salted = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: this.hash, salt: unb64(attrs.s ?? "") as BufferSource, iterations }, base, bits));
    const clientKey = await this.hmac(salted, "Client Key");
    const storedKey = new Uint8Array(await crypto.subtle.digest(this.hash, clientKey as BufferSource));
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const signature = await this.hmac(storedKey, authMessage);
    const proof = clientKey.map((b, i) => b ^ signature[i]!);
    this.serverSignature = await this.hmac(await this.hmac(salted, "Server Key"), authMessage);
    return `${withoutProof},p=${b64(proof)}`;
  }

  async verify(serverFinal: string): Promise<void> {
    const expected = this.serverSignature && b64(this.serverSignature);
    if (!serverFinal.startsWith("v=") || serverFinal.slice(2) !== expected) throw new Error("SCRAM: the server's signature does not match (is it the real server?)");
  }
}
