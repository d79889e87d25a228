// DeleteTopics (key 20), v0-3. The four versions differ on the wire only by throttle_time_ms (v1+);
// 4+ is flexible.
//
// DeleteTopicsRequest v0-3
//   topic_names  [string]
//   timeout_ms   int32
//
// DeleteTopicsResponse v0-3
//   throttle_time_ms  int32                                v1+
//   responses         [ name string, error_code int16 ]
//
// Version notes: v1 throttle_time_ms; v2 throttling; v3 TOPIC_DELETION_DISABLED may be returned.

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 20, name: "DeleteTopics", min: 0, max: 3, flexibleFrom: 4 };

export interface DeleteTopicsRequest {
  topicNames: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  responses: { name: string; errorCode: number }[];
}

export function decodeRequest(r: Reader, version: number): DeleteTopicsRequest {
  checkVersion(versions, version);
  return { topicNames: r.array((r) => r.string()), timeoutMs: r.int32() };
}

export function encodeRequest(w: Writer, version: number, req: DeleteTopicsRequest): void {
  checkVersion(versions, version);
  w.array(req.topicNames, (w, n) => w.string(n)).int32(req.timeoutMs);
}

export function encodeResponse(w: Writer, version: number, res: DeleteTopicsResponse): void {
  checkVersion(versions, version);
  if (version >= 1) w.int32(res.throttleTimeMs ?? 0);
  w.array(res.responses, (w, t) => w.string(t.name).int16(t.errorCode));
}

export function decodeResponse(r: Reader, version: number): DeleteTopicsResponse {
  checkVersion(versions, version);
  return {
    throttleTimeMs: version >= 1 ? r.int32() : 0,
    responses: r.array((r) => ({ name: r.string(), errorCode: r.int16() })),
  };
}
