// IncrementalAlterConfigs (key 44), v0-1. 1 is flexible. Grammar in alter-configs.ts (the response is
// AlterConfigs' response).
//
// IncrementalAlterConfigsRequest v0-1
//   resources      [ resource_type int8, resource_name string,
//                    configs [ name string, config_operation int8 (0 set, 1 delete, 2 append, 3 subtract),
//                              value nullable_string ] ]
//   validate_only  bool

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";
import { alterConfigsResponse, type AlterConfigsResponse } from "./alter-configs.js";

export const versions: VersionRange = { key: 44, name: "IncrementalAlterConfigs", min: 0, max: 1, flexibleFrom: 1 };

export interface IncrementalAlterConfigsRequest {
  resources: { resourceType: number; resourceName: string; configs: { name: string; configOperation: number; value: string | null }[] }[];
  validateOnly: boolean;
}
export type IncrementalAlterConfigsResponse = AlterConfigsResponse;

const request = [
  f("resources", arr(struct([
    f("resourceType", "int8", "0+"),
    f("resourceName", "string", "0+"),
    f("configs", arr(struct([
      f("name", "string", "0+"),
      f("configOperation", "int8", "0+"),
      f("value", "string", "0+", { nullable: "0+" }),
    ])), "0+"),
  ])), "0+"),
  f("validateOnly", "bool", "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse
>(versions, request, alterConfigsResponse);
