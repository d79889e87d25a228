// AlterUserScramCredentials (key 51), v0; flexible from v0.
//
// AlterUserScramCredentialsRequest v0
//   deletions   [ name compact_string, mechanism int8 ]
//   upsertions  [ name compact_string, mechanism int8, iterations int32, salt compact_bytes,
//                 salted_password compact_bytes ]        SaltedPassword = Hi(password, salt, iterations)
//
// AlterUserScramCredentialsResponse v0
//   throttle_time_ms  int32
//   results           [ user compact_string, error_code int16, error_message compact_nullable_string ]
//                     one per distinct user in the request

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 51, name: "AlterUserScramCredentials", min: 0, max: 0, flexibleFrom: 0 };

export interface ScramDeletion {
  name: string;
  mechanism: number;
}

export interface ScramUpsertion {
  name: string;
  mechanism: number;
  iterations: number;
  salt: Uint8Array;
  saltedPassword: Uint8Array;
}

export interface AlterUserScramCredentialsRequest {
  deletions: ScramDeletion[];
  upsertions: ScramUpsertion[];
}

export interface AlterUserScramCredentialsResponse {
  throttleTimeMs: number;
  results: { user: string; errorCode: number; errorMessage: string | null }[];
}

export function decodeRequest(r: Reader, version: number): AlterUserScramCredentialsRequest {
  checkVersion(versions, version);
  const deletions = r.compactArray((r) => {
    const d = { name: r.compactString(), mechanism: r.int8() };
    r.taggedFields();
    return d;
  });
  const upsertions = r.compactArray((r) => {
    // Copies: the reader's views die with the frame, and the store keeps what it is given.
    const u = { name: r.compactString(), mechanism: r.int8(), iterations: r.int32(), salt: r.compactBytes().slice(), saltedPassword: r.compactBytes().slice() };
    r.taggedFields();
    return u;
  });
  r.taggedFields();
  return { deletions, upsertions };
}

export function encodeRequest(w: Writer, version: number, req: AlterUserScramCredentialsRequest): void {
  checkVersion(versions, version);
  w.compactArray(req.deletions, (w, d) => w.compactString(d.name).int8(d.mechanism).emptyTaggedFields());
  w.compactArray(req.upsertions, (w, u) => w.compactString(u.name).int8(u.mechanism).int32(u.iterations).compactBytes(u.salt).compactBytes(u.saltedPassword).emptyTaggedFields());
  w.emptyTaggedFields();
}

export function encodeResponse(w: Writer, version: number, res: AlterUserScramCredentialsResponse): void {
  checkVersion(versions, version);
  w.int32(res.throttleTimeMs);
  w.compactArray(res.results, (w, x) => w.compactString(x.user).int16(x.errorCode).compactNullableString(x.errorMessage).emptyTaggedFields());
  w.emptyTaggedFields();
}

export function decodeResponse(r: Reader, version: number): AlterUserScramCredentialsResponse {
  checkVersion(versions, version);
  const throttleTimeMs = r.int32();
  const results = r.compactArray((r) => {
    const x = { user: r.compactString(), errorCode: r.int16(), errorMessage: r.compactNullableString() };
    r.taggedFields();
    return x;
  });
  r.taggedFields();
  return { throttleTimeMs, results };
}
