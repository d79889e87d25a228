// AlterConfigs (key 33), v0-2. IncrementalAlterConfigs (incremental-alter-configs.ts) shares its response.
//
// AlterConfigsRequest v0-2 (replaces every override of a resource)
//   resources      [ resource_type int8, resource_name string,
//                    configs [ name string, value nullable_string ] ]
//   validate_only  bool
//
// IncrementalAlterConfigsRequest v0-1 (changes only the configs named)
//   resources      [ resource_type int8, resource_name string,
//                    configs [ name string, config_operation int8 (0 set, 1 delete, 2 append, 3 subtract),
//                              value nullable_string ] ]
//   validate_only  bool
//
// Response (both)
//   throttle_time_ms  int32
//   responses         [ error_code int16, error_message nullable_string, resource_type int8, resource_name string ]
//
// Version notes: AlterConfigs v1 throttling, v2 flexible; IncrementalAlterConfigs v1 flexible.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 33, name: "AlterConfigs", min: 0, max: 2, flexibleFrom: 2 };

export interface AlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[];
  validateOnly: boolean;
}
export interface AlterConfigsResponse {
  throttleTimeMs?: number;
  responses: { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[];
}

export const alterConfigsResponse = [
  f("throttleTimeMs", "int32", "0+"),
  f("responses", arr(struct([
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+" }),
    f("resourceType", "int8", "0+"),
    f("resourceName", "string", "0+"),
  ])), "0+"),
];

const request = [
  f("resources", arr(struct([
    f("resourceType", "int8", "0+"),
    f("resourceName", "string", "0+"),
    f("configs", arr(struct([
      f("name", "string", "0+"),
      f("value", "string", "0+", { nullable: "0+" }),
    ])), "0+"),
  ])), "0+"),
  f("validateOnly", "bool", "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<AlterConfigsRequest, AlterConfigsResponse>(
  versions,
  request,
  alterConfigsResponse,
);
