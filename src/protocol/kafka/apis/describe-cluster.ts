// DescribeCluster (key 60), v0-2. Flexible from v0.
//
// DescribeClusterRequest v0-2
//   include_cluster_authorized_operations  bool
//   endpoint_type                          int8   v1+ (1 brokers, 2 controllers)
//   include_fenced_brokers                 bool   v2+
//
// DescribeClusterResponse v0-2
//   throttle_time_ms               int32
//   error_code                     int16
//   error_message                  nullable_string
//   endpoint_type                  int8     v1+
//   cluster_id                     string
//   controller_id                  int32
//   brokers                        [ broker_id int32, host string, port int32, rack nullable_string,
//                                    is_fenced bool v2+ ]
//   cluster_authorized_operations  int32    (INT32_MIN = not requested)
//
// Version notes: v1 endpoint_type (KIP-919); v2 (Kafka 4.0, KIP-1073) fenced brokers on request. A single
// broker is never fenced: is_fenced is always false, include_fenced_brokers changes nothing.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 60, name: "DescribeCluster", min: 0, max: 2, flexibleFrom: 0 };

export interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean;
  /** v1+, default 1 (brokers). */
  endpointType?: number;
  /** v2+, default false. */
  includeFencedBrokers?: boolean;
}
export interface DescribeClusterResponse {
  throttleTimeMs?: number;
  errorCode: number;
  errorMessage: string | null;
  /** v1+, default 1. */
  endpointType?: number;
  clusterId: string;
  controllerId: number;
  /** isFenced: v2+, default false. */
  brokers: { brokerId: number; host: string; port: number; rack: string | null; isFenced?: boolean }[];
  clusterAuthorizedOperations: number;
}

const request = [
  f("includeClusterAuthorizedOperations", "bool", "0+"),
  f("endpointType", "int8", "1+", { default: 1 }),
  f("includeFencedBrokers", "bool", "2+", { default: false }),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("errorCode", "int16", "0+"),
  f("errorMessage", "string", "0+", { nullable: "0+", default: null }),
  f("endpointType", "int8", "1+", { default: 1 }),
  f("clusterId", "string", "0+"),
  f("controllerId", "int32", "0+", { default: -1 }),
  f("brokers", arr(struct([
    f("brokerId", "int32", "0+"),
    f("host", "string", "0+"),
    f("port", "int32", "0+"),
    f("rack", "string", "0+", { nullable: "0+", default: null }),
    f("isFenced", "bool", "2+", { default: false }),
  ])), "0+"),
  f("clusterAuthorizedOperations", "int32", "0+", { default: -2147483648 }),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DescribeClusterRequest, DescribeClusterResponse>(
  versions,
  request,
  response,
);
