// ApiVersions (key 18), v0-4. v3+ is flexible: compact types and tagged fields in the body and request
// header v2, yet its response header stays v0 (KIP-511), because a client must be able to read the reply
// before it knows which versions the broker speaks. v4 has v3's wire format (it only lets a broker send
// min_version 0 in supported features, KAFKA-17011).
//
// ApiVersionsRequest
//   v0-2  (empty body)
//   v3    client_software_name     compact_string
//         client_software_version  compact_string
//         tagged_fields
//
// ApiVersionsResponse
//   error_code        int16
//   api_keys          [ api_key int16, min_version int16, max_version int16, tagged_fields (v3) ]
//                     (compact array in v3)
//   throttle_time_ms  int32                                   v1+
//   tagged_fields                                             v3+, written when set:
//     0 SupportedFeatures       compact [ name compact_string, min_version int16, max_version int16, tags ]
//     1 FinalizedFeaturesEpoch  int64 (default -1: unknown)
//     2 FinalizedFeatures       compact [ name compact_string, max_version_level int16,
//                                         min_version_level int16, tags ]
//     3 ZkMigrationReady        bool (controllers only: never written, skipped on read)
//   Rivulet advertises one feature, transaction.version (docs/transactions.md); a v3 response omits
//   supported features whose min_version is 0, as the spec says for v0-3 (older Java clients reject 0).
//
// Version notes:
// * A request above our maximum (v5+ from future clients) is not parsed: the broker answers it in the v0
//   format with UNSUPPORTED_VERSION, and the client retries lower (registry.ts builds that reply).
// * v1 adds throttle_time_ms, v2 only changes throttling semantics (KIP-219).

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import { Writer } from "../writer.js";

export const versions: VersionRange = { key: 18, name: "ApiVersions", min: 0, max: 4, flexibleFrom: 3 };

export interface ApiVersionsRequest {
  /** v3+; "" before. */
  clientSoftwareName: string;
  /** v3+; "" before. */
  clientSoftwareVersion: string;
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersionRange[];
  /** v1+, default 0. */
  throttleTimeMs?: number;
  /** v3+ tagged field 0. */
  supportedFeatures?: { name: string; minVersion: number; maxVersion: number }[];
  /** v3+ tagged field 1; -1 (the default) means unknown, and then the finalized list is not meaningful. */
  finalizedFeaturesEpoch?: bigint;
  /** v3+ tagged field 2. */
  finalizedFeatures?: { name: string; maxVersionLevel: number; minVersionLevel: number }[];
}

const SUPPORTED_FEATURES = 0;
const FINALIZED_FEATURES_EPOCH = 1;
const FINALIZED_FEATURES = 2;

/** The response's tagged fields (v3+), in tag order, only those set. */
function writeFeatureTags(w: Writer, version: number, res: ApiVersionsResponse): void {
  const fields: [number, Uint8Array][] = [];
  const supported = (res.supportedFeatures ?? []).filter((f) => version >= 4 || f.minVersion > 0);
  if (supported.length) {
    const body = new Writer().compactArray(supported, (w, f) => w.compactString(f.name).int16(f.minVersion).int16(f.maxVersion).emptyTaggedFields());
    fields.push([SUPPORTED_FEATURES, body.toBytes()]);
  }
  if (res.finalizedFeaturesEpoch !== undefined && res.finalizedFeaturesEpoch !== -1n) {
    fields.push([FINALIZED_FEATURES_EPOCH, new Writer().int64(res.finalizedFeaturesEpoch).toBytes()]);
  }
  if (res.finalizedFeatures?.length) {
    const body = new Writer().compactArray(res.finalizedFeatures, (w, f) => w.compactString(f.name).int16(f.maxVersionLevel).int16(f.minVersionLevel).emptyTaggedFields());
    fields.push([FINALIZED_FEATURES, body.toBytes()]);
  }
  w.uvarint(fields.length);
  for (const [tag, bytes] of fields) w.uvarint(tag).uvarint(bytes.length).raw(bytes);
}

export function decodeRequest(r: Reader, version: number): ApiVersionsRequest {
  checkVersion(versions, version);
  if (version < 3) return { clientSoftwareName: "", clientSoftwareVersion: "" };
  const clientSoftwareName = r.compactString();
  const clientSoftwareVersion = r.compactString();
  r.taggedFields();
  return { clientSoftwareName, clientSoftwareVersion };
}

export function encodeRequest(w: Writer, version: number, req: ApiVersionsRequest): void {
  checkVersion(versions, version);
  if (version < 3) return;
  w.compactString(req.clientSoftwareName).compactString(req.clientSoftwareVersion).emptyTaggedFields();
}

export function encodeResponse(w: Writer, version: number, res: ApiVersionsResponse): void {
  checkVersion(versions, version);
  const flexible = version >= 3;
  w.int16(res.errorCode);
  const writeKey = (w: Writer, k: ApiVersionRange) => {
    w.int16(k.apiKey).int16(k.minVersion).int16(k.maxVersion);
    if (flexible) w.emptyTaggedFields();
  };
  if (flexible) w.compactArray(res.apiKeys, writeKey);
  else w.array(res.apiKeys, writeKey);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  if (flexible) writeFeatureTags(w, version, res);
}

export function decodeResponse(r: Reader, version: number): ApiVersionsResponse {
  checkVersion(versions, version);
  const flexible = version >= 3;
  const errorCode = r.int16();
  const readKey = (r: Reader): ApiVersionRange => {
    const k = { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() };
    if (flexible) r.taggedFields();
    return k;
  };
  const apiKeys = flexible ? r.compactArray(readKey) : r.array(readKey);
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  const res: ApiVersionsResponse = { errorCode, apiKeys, throttleTimeMs };
  if (flexible) {
    r.taggedFields((tag, field) => {
      if (tag === SUPPORTED_FEATURES) res.supportedFeatures = field.compactArray((r) => { const f = { name: r.compactString(), minVersion: r.int16(), maxVersion: r.int16() }; r.taggedFields(); return f; });
      else if (tag === FINALIZED_FEATURES_EPOCH) res.finalizedFeaturesEpoch = field.int64();
      else if (tag === FINALIZED_FEATURES) res.finalizedFeatures = field.compactArray((r) => { const f = { name: r.compactString(), maxVersionLevel: r.int16(), minVersionLevel: r.int16() }; r.taggedFields(); return f; });
    });
  }
  return res;
}
