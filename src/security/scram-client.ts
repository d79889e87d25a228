// The client side of SCRAM (RFC 5802) with node:crypto, for the CLI's Kafka admin connection and tests.
// (The browser client has its own over WebCrypto: src/client/scram.ts.)

import { randomBytes } from "node:crypto";
import { hash, hmac, saltedPassword, safeEqual, xor, type ScramMechanism } from "./scram.js";

const encodeName = (name: string) => name.replace(/=/g, "=3D").replace(/,/g, "=2C");

export class ScramClient {
  private readonly nonce = randomBytes(18).toString("base64");
  private clientFirstBare = "";
  private serverSignature: Buffer | undefined;

  constructor(readonly mechanism: ScramMechanism, private readonly user: string, private readonly password: string) {}

  first(): Buffer {
    this.clientFirstBare = `n=${encodeName(this.user)},r=${this.nonce}`;
    return Buffer.from(`n,,${this.clientFirstBare}`, "utf8");
  }

  async final(serverFirst: Uint8Array): Promise<Buffer> {
    const text = Buffer.from(serverFirst).toString("utf8");
    const attrs = Object.fromEntries(text.split(",").map((kv) => [kv.slice(0, 1), kv.slice(2)]));
    const nonce = attrs.r ?? "";
    if (!nonce.startsWith(this.nonce)) throw new Error("SCRAM: the server's nonce does not extend ours");
    const salt = Buffer.from(attrs.s ?? "", "base64");
    const iterations = Number(attrs.i);
    const salted = await saltedPassword(this.mechanism, this.password, salt, iterations);
    const clientKey = hmac(this.mechanism, salted, "Client Key");
    const withoutProof = `c=${Buffer.from("n,,").toString("base64")},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const proof = xor(clientKey, hmac(this.mechanism, hash(this.mechanism, clientKey), authMessage));
    this.serverSignature = hmac(this.mechanism, hmac(this.mechanism, salted, "Server Key"), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString("base64")}`, "utf8");
  }

  /** Checks server-final: a server that does not know our key cannot produce its signature. */
  verify(serverFinal: Uint8Array): void {
    const text = Buffer.from(serverFinal).toString("utf8");
    if (!text.startsWith("v=") || !this.serverSignature || !safeEqual(Buffer.from(text.slice(2), "base64"), this.serverSignature)) throw new Error("SCRAM: bad server signature");
  }
}
