// CreatePartitions (key 37), v0-3. 2+ is flexible.
//
// CreatePartitionsRequest v0-3
//   topics         [ name string, count int32 (the new total), assignments nullable [ broker_ids [int32] ] ]
//   timeout_ms     int32
//   validate_only  bool
//
// CreatePartitionsResponse v0-3
//   throttle_time_ms  int32
//   results           [ name string, error_code int16, error_message nullable_string ]
//
// Version notes: v1 throttling; v2 flexible; v3 quota errors (KIP-599).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 37, name: "CreatePartitions", min: 0, max: 3, flexibleFrom: 2 };

export interface CreatePartitionsRequest {
  topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[];
  timeoutMs: number;
  validateOnly: boolean;
}
export interface CreatePartitionsResponse {
  throttleTimeMs?: number;
  results: { name: string; errorCode: number; errorMessage: string | null }[];
}

const request = [
  f("topics", arr(struct([
    f("name", "string", "0+"),
    f("count", "int32", "0+"),
    f("assignments", arr(struct([f("brokerIds", arr("int32"), "0+")])), "0+", { nullable: "0+" }),
  ])), "0+"),
  f("timeoutMs", "int32", "0+"),
  f("validateOnly", "bool", "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("results", arr(struct([
    f("name", "string", "0+"),
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<CreatePartitionsRequest, CreatePartitionsResponse>(
  versions,
  request,
  response,
);
