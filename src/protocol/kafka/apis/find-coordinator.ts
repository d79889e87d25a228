// FindCoordinator (key 10), v0-6. 3+ is flexible; 4+ asks for several keys at once.
//
// FindCoordinatorRequest v0-6
//   key               string     v0-3
//   key_type          int8       v1+ (0 group, 1 transaction, 2 share group v6+)
//   coordinator_keys  [string]   v4+
//
// FindCoordinatorResponse v0-6
//   throttle_time_ms  int32            v1+
//   error_code        int16            v0-3
//   error_message     nullable_string  v1-3
//   node_id           int32            v0-3
//   host              string           v0-3
//   port              int32            v0-3
//   coordinators      [ key string, node_id int32, host string, port int32, error_code int16,
//                       error_message nullable_string ]   v4+
//
// Version notes: v1 key_type, throttle, error_message; v2 throttling semantics; v3 flexible; v4 batched
// keys (KIP-699); v5 may return TRANSACTION_ABORTABLE (KIP-890); v6 share groups (KIP-932).

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 10, name: "FindCoordinator", min: 0, max: 6, flexibleFrom: 3 };

export interface FindCoordinatorRequest {
  /** v0-3. */
  key: string;
  keyType: number;
  /** v4+. */
  coordinatorKeys?: string[];
}
export interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}
export interface FindCoordinatorResponse {
  /** v1+, default 0. */
  throttleTimeMs?: number;
  /** v0-3. */
  errorCode: number;
  /** v1-3, default null. */
  errorMessage?: string | null;
  nodeId: number;
  host: string;
  port: number;
  /** v4+. */
  coordinators?: Coordinator[];
}

const request = [
  f("key", "string", "0-3"),
  f("keyType", "int8", "1+", { default: 0 }),
  f("coordinatorKeys", arr("string"), "4+"),
];

const response = [
  f("throttleTimeMs", "int32", "1+"),
  f("errorCode", "int16", "0-3"),
  f("errorMessage", "string", "1-3", { nullable: "1-3" }),
  f("nodeId", "int32", "0-3"),
  f("host", "string", "0-3"),
  f("port", "int32", "0-3"),
  f("coordinators", arr(struct([
    f("key", "string", "4+"),
    f("nodeId", "int32", "4+"),
    f("host", "string", "4+"),
    f("port", "int32", "4+"),
    f("errorCode", "int16", "4+"),
    f("errorMessage", "string", "4+", { nullable: "4+" }),
  ])), "4+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<FindCoordinatorRequest, FindCoordinatorResponse>(
  versions,
  request,
  response,
);
