// SaslAuthenticate (key 36), v0-2; v2 is flexible.
//
// SaslAuthenticateRequest
//   auth_bytes           bytes                 (compact_bytes in v2)
//   tagged_fields                              v2
//
// SaslAuthenticateResponse
//   error_code           int16
//   error_message        nullable_string       (compact in v2)
//   auth_bytes           bytes                 (compact in v2)
//   session_lifetime_ms  int64                 v1+ (KIP-368: 0 = no limit; the client re-authenticates before)
//   tagged_fields                              v2

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 36, name: "SaslAuthenticate", min: 0, max: 2, flexibleFrom: 2 };

export interface SaslAuthenticateRequest {
  authBytes: Uint8Array;
}

export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Uint8Array;
  /** v1+, default 0. */
  sessionLifetimeMs?: bigint;
}

export function decodeRequest(r: Reader, version: number): SaslAuthenticateRequest {
  checkVersion(versions, version);
  if (version < 2) return { authBytes: r.bytes() };
  const authBytes = r.compactBytes();
  r.taggedFields();
  return { authBytes };
}

export function encodeRequest(w: Writer, version: number, req: SaslAuthenticateRequest): void {
  checkVersion(versions, version);
  if (version < 2) w.bytes(req.authBytes);
  else w.compactBytes(req.authBytes).emptyTaggedFields();
}

export function encodeResponse(w: Writer, version: number, res: SaslAuthenticateResponse): void {
  checkVersion(versions, version);
  const flexible = version >= 2;
  w.int16(res.errorCode);
  if (flexible) w.compactNullableString(res.errorMessage).compactBytes(res.authBytes);
  else w.nullableString(res.errorMessage).bytes(res.authBytes);
  if (version >= 1) w.int64(res.sessionLifetimeMs ?? 0n);
  if (flexible) w.emptyTaggedFields();
}

export function decodeResponse(r: Reader, version: number): SaslAuthenticateResponse {
  checkVersion(versions, version);
  const flexible = version >= 2;
  const errorCode = r.int16();
  const errorMessage = flexible ? r.compactNullableString() : r.nullableString();
  const authBytes = flexible ? r.compactBytes() : r.bytes();
  const sessionLifetimeMs = version >= 1 ? r.int64() : 0n;
  if (flexible) r.taggedFields();
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
}
