// DescribeUserScramCredentials (key 50), v0; flexible from v0 (compact types, tagged fields everywhere).
//
// DescribeUserScramCredentialsRequest v0
//   users  compact_nullable [ name compact_string ]        null = every user
//
// DescribeUserScramCredentialsResponse v0
//   throttle_time_ms  int32
//   error_code        int16
//   error_message     compact_nullable_string
//   results           [ user compact_string, error_code int16, error_message compact_nullable_string,
//                       credential_infos [ mechanism int8 (1 SCRAM-SHA-256, 2 SCRAM-SHA-512), iterations int32 ] ]

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 50, name: "DescribeUserScramCredentials", min: 0, max: 0, flexibleFrom: 0 };

export interface DescribeUserScramCredentialsRequest {
  users: string[] | null;
}

export interface DescribedScramUser {
  user: string;
  errorCode: number;
  errorMessage: string | null;
  credentialInfos: { mechanism: number; iterations: number }[];
}

export interface DescribeUserScramCredentialsResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  results: DescribedScramUser[];
}

export function decodeRequest(r: Reader, version: number): DescribeUserScramCredentialsRequest {
  checkVersion(versions, version);
  const users = r.compactNullableArray((r) => {
    const name = r.compactString();
    r.taggedFields();
    return name;
  });
  r.taggedFields();
  return { users };
}

export function encodeRequest(w: Writer, version: number, req: DescribeUserScramCredentialsRequest): void {
  checkVersion(versions, version);
  w.compactNullableArray(req.users, (w, name) => w.compactString(name).emptyTaggedFields()).emptyTaggedFields();
}

export function encodeResponse(w: Writer, version: number, res: DescribeUserScramCredentialsResponse): void {
  checkVersion(versions, version);
  w.int32(res.throttleTimeMs).int16(res.errorCode).compactNullableString(res.errorMessage);
  w.compactArray(res.results, (w, u) => {
    w.compactString(u.user).int16(u.errorCode).compactNullableString(u.errorMessage);
    w.compactArray(u.credentialInfos, (w, c) => w.int8(c.mechanism).int32(c.iterations).emptyTaggedFields());
    w.emptyTaggedFields();
  });
  w.emptyTaggedFields();
}

export function decodeResponse(r: Reader, version: number): DescribeUserScramCredentialsResponse {
  checkVersion(versions, version);
  const throttleTimeMs = r.int32();
  const errorCode = r.int16();
  const errorMessage = r.compactNullableString();
  const results = r.compactArray((r): DescribedScramUser => {
    const user = r.compactString();
    const errorCode = r.int16();
    const errorMessage = r.compactNullableString();
    const credentialInfos = r.compactArray((r) => {
      const c = { mechanism: r.int8(), iterations: r.int32() };
      r.taggedFields();
      return c;
    });
    r.taggedFields();
    return { user, errorCode, errorMessage, credentialInfos };
  });
  r.taggedFields();
  return { throttleTimeMs, errorCode, errorMessage, results };
}
