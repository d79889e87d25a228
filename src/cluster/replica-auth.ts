// The replication port's handshake (docs/cluster.md "Authentication on the replication port"), sans-IO:
// the frames each side sends and the checks each side makes, with no socket in sight (replica-transport.ts
// moves the frames). Both ends prove they hold the cluster secret (cluster-secret.ts) without sending it,
// so a peer that merely reaches the port can neither be served nor serve.
//
//   server -> client  {"id":0,"type":"challenge","version":1,"nonce":SN}
//   client -> server  {"id":0,"type":"authenticate","brokerId":C,"nonce":CN,"proof":HMAC(1, C)}
//   server -> client  {"id":0,"type":"authenticated","brokerId":S,"proof":HMAC(2, S)}
//                  or {"id":0,"error":"SASL_AUTHENTICATION_FAILED","message":...} and the connection closes
//   HMAC(role, id) = HMAC-SHA256(secret, "rivulet-replication" | u8 role | SN | CN | u32be id | B), base64
//
// B is empty on a plain TCP connection. Over TLS (the broker's certificate, replica-transport.ts) it is the
// connection's TLS exporter value (RFC 8446 section 7.5, label CHANNEL_BINDING_LABEL, 32 bytes), which both
// ends of one TLS session compute alike and a man in the middle, holding two sessions, cannot match: so the
// proofs authenticate the encrypted channel itself, and no certificate needs checking.
//
// SN and CN are 32 random bytes each, base64. The role byte keeps the two proofs apart: without it an
// impostor server could send the client's own proof back as its answer (a reflection). Each proof names
// the broker id of the side that made it, so a peer can only speak as itself (the server checks that a
// fetch names the id authenticated here) and a follower knows it reached the broker it meant to.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const HANDSHAKE_VERSION = 1;
export const NONCE_BYTES = 32;
const LABEL = Buffer.from("rivulet-replication", "ascii");
const CLIENT_ROLE = 1;
const SERVER_ROLE = 2;
/** The TLS exporter label of the channel binding (RFC 5705 wants "EXPORTER" first for private labels). */
export const CHANNEL_BINDING_LABEL = "EXPORTER-rivulet-replication";
export const CHANNEL_BINDING_BYTES = 32;
const NO_BINDING = Buffer.alloc(0);

export type HandshakeHeader = Record<string, unknown> & { id: number };

/** What a side does after a frame: send a reply (maybe), and either go on, be done, or give up. */
export type HandshakeStep =
  | { kind: "done"; reply?: HandshakeHeader; peerId: number }
  | { kind: "wait"; reply: HandshakeHeader }
  | { kind: "fail"; reply?: HandshakeHeader; reason: string };

/** HMAC-SHA256(secret, label | role | server nonce | client nonce | u32be broker id | channel binding). */
export function proof(secret: Uint8Array, role: number, serverNonce: Uint8Array, clientNonce: Uint8Array, brokerId: number, binding: Uint8Array = NO_BINDING): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt8(role, 0);
  tail.writeUInt32BE(brokerId, 1);
  return createHmac("sha256", secret).update(LABEL).update(tail.subarray(0, 1)).update(serverNonce).update(clientNonce).update(tail.subarray(1)).update(binding).digest();
}

/** A base64 field of exactly `bytes` bytes, or undefined (absent, not a string, another length). */
function bytesField(value: unknown, bytes: number): Buffer | undefined {
  if (typeof value !== "string") return undefined;
  const decoded = Buffer.from(value, "base64");
  return decoded.length === bytes && decoded.toString("base64") === value ? decoded : undefined;
}

/** A broker id as the wire may carry it (the proof packs it into 32 bits). */
function brokerIdField(value: unknown): number | undefined {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff ? (value as number) : undefined;
}

function sameBytes(expected: Buffer, got: Buffer | undefined): boolean {
  return got !== undefined && got.length === expected.length && timingSafeEqual(expected, got);
}

const refusal = (message: string): HandshakeHeader => ({ id: 0, error: "SASL_AUTHENTICATION_FAILED", message });

/** The accepting side: its challenge first, then one authenticate frame decides. */
export class ServerHandshake {
  private readonly nonce: Buffer;

  /** `binding`: the TLS exporter value of the connection, or empty on plain TCP. */
  constructor(private readonly secret: Uint8Array, private readonly brokerId: number, private readonly binding: Uint8Array = NO_BINDING, nonce: Buffer = randomBytes(NONCE_BYTES)) {
    this.nonce = nonce;
  }

  challenge(): HandshakeHeader {
    return { id: 0, type: "challenge", version: HANDSHAKE_VERSION, nonce: this.nonce.toString("base64") };
  }

  /** The client's first frame. Anything but a valid authenticate fails; only a proof that does not verify is answered. */
  receive(h: Record<string, unknown>): Exclude<HandshakeStep, { kind: "wait" }> {
    if (h.type !== "authenticate") return { kind: "fail", reason: `a ${typeof h.type === "string" ? JSON.stringify(h.type.slice(0, 40)) : "typeless"} frame before authenticating` };
    const peerId = brokerIdField(h.brokerId);
    const clientNonce = bytesField(h.nonce, NONCE_BYTES);
    const given = bytesField(h.proof, 32);
    if (peerId === undefined || !clientNonce || !given) return { kind: "fail", reply: refusal("malformed authenticate frame"), reason: "malformed authenticate frame" };
    if (!sameBytes(proof(this.secret, CLIENT_ROLE, this.nonce, clientNonce, peerId, this.binding), given)) {
      return { kind: "fail", reply: refusal("replication authentication failed (another cluster's secret?)"), reason: `wrong proof for broker ${peerId}` };
    }
    const answer = proof(this.secret, SERVER_ROLE, this.nonce, clientNonce, this.brokerId, this.binding).toString("base64");
    return { kind: "done", reply: { id: 0, type: "authenticated", brokerId: this.brokerId, proof: answer }, peerId };
  }
}

/** The connecting side: answers the challenge, then checks the server's proof names the broker it meant. */
export class ClientHandshake {
  private readonly nonce: Buffer;
  private serverNonce: Buffer | undefined;

  /** `binding`: the TLS exporter value of the connection, or empty on plain TCP. */
  constructor(private readonly secret: Uint8Array, private readonly brokerId: number, private readonly expectedPeer: number, private readonly binding: Uint8Array = NO_BINDING, nonce: Buffer = randomBytes(NONCE_BYTES)) {
    this.nonce = nonce;
  }

  receive(h: Record<string, unknown>): HandshakeStep {
    if (typeof h.error === "string") return { kind: "fail", reason: `${h.error}: ${String(h.message ?? "")}` };
    if (!this.serverNonce) {
      const serverNonce = h.type === "challenge" && h.version === HANDSHAKE_VERSION ? bytesField(h.nonce, NONCE_BYTES) : undefined;
      if (!serverNonce) return { kind: "fail", reason: "the peer did not open with a replication challenge" };
      this.serverNonce = serverNonce;
      const mine = proof(this.secret, CLIENT_ROLE, serverNonce, this.nonce, this.brokerId, this.binding).toString("base64");
      return { kind: "wait", reply: { id: 0, type: "authenticate", brokerId: this.brokerId, nonce: this.nonce.toString("base64"), proof: mine } };
    }
    if (h.type !== "authenticated" || h.brokerId !== this.expectedPeer) return { kind: "fail", reason: `expected broker ${this.expectedPeer} to authenticate, got ${JSON.stringify(h.brokerId)}` };
    if (!sameBytes(proof(this.secret, SERVER_ROLE, this.serverNonce, this.nonce, this.expectedPeer, this.binding), bytesField(h.proof, 32))) {
      return { kind: "fail", reason: `broker ${this.expectedPeer}'s proof does not verify (an impostor, or another cluster's secret)` };
    }
    return { kind: "done", peerId: this.expectedPeer };
  }
}
