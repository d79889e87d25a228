// DeleteTopics (key 20), v0-6. 4+ is flexible; 6 names topics by name or id.
//
// DeleteTopicsRequest v0-6
//   topics       [ name nullable_string, topic_id uuid ]   v6+
//   topic_names  [string]                                  v0-5
//   timeout_ms   int32
//
// DeleteTopicsResponse v0-6
//   throttle_time_ms  int32     v1+
//   responses         [ name string (nullable v6+), topic_id uuid v6+, error_code int16,
//                       error_message nullable_string v5+ ]
//
// Version notes: v1 throttle; v2 throttling semantics; v3 no change; v4 flexible; v5 error_message and
// quota errors (KIP-599); v6 topic ids (KIP-516).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 20, name: "DeleteTopics", min: 0, max: 6, flexibleFrom: 4 };

export interface DeleteTopicsRequest {
  /** v6+. */
  topics?: { name: string | null; topicId: Uint8Array }[];
  /** v0-5. */
  topicNames: string[];
  timeoutMs: number;
}
export interface DeleteTopicsResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  responses: { name: string | null; topicId?: Uint8Array; errorCode: number; errorMessage?: string | null }[];
}

const request = [
  f("topics", arr(struct([
    f("name", "string", "6+", { nullable: "6+", default: null }),
    f("topicId", "uuid", "6+"),
  ])), "6+"),
  f("topicNames", arr("string"), "0-5"),
  f("timeoutMs", "int32", "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "1+"),
  f("responses", arr(struct([
    f("name", "string", "0+", { nullable: "6+" }),
    f("topicId", "uuid", "6+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "5+", { nullable: "5+", default: null }),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DeleteTopicsRequest, DeleteTopicsResponse>(
  versions,
  request,
  response,
);
