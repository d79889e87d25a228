// SaslHandshake (key 17), v0-1. Never flexible.
//
// SaslHandshakeRequest v0-1
//   mechanism   string
//
// SaslHandshakeResponse v0-1
//   error_code  int16
//   mechanisms  [string]        the mechanisms the broker offers
//
// Version notes: after a v0 handshake the client sends raw SASL tokens (size-prefixed, no Kafka header);
// after v1 it sends them inside SaslAuthenticate requests (KIP-152).

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 17, name: "SaslHandshake", min: 0, max: 1, flexibleFrom: 99 };

export interface SaslHandshakeRequest {
  mechanism: string;
}

export interface SaslHandshakeResponse {
  errorCode: number;
  mechanisms: string[];
}

export function decodeRequest(r: Reader, version: number): SaslHandshakeRequest {
  checkVersion(versions, version);
  return { mechanism: r.string() };
}

export function encodeRequest(w: Writer, version: number, req: SaslHandshakeRequest): void {
  checkVersion(versions, version);
  w.string(req.mechanism);
}

export function encodeResponse(w: Writer, version: number, res: SaslHandshakeResponse): void {
  checkVersion(versions, version);
  w.int16(res.errorCode).array(res.mechanisms, (w, m) => w.string(m));
}

export function decodeResponse(r: Reader, version: number): SaslHandshakeResponse {
  checkVersion(versions, version);
  return { errorCode: r.int16(), mechanisms: r.array((r) => r.string()) };
}
