// DescribeConfigs (key 32), v0-4. 4 is flexible.
//
// DescribeConfigsRequest v0-4
//   resources              [ resource_type int8 (2 topic, 4 broker), resource_name string,
//                            configuration_keys nullable [string] (null = all) ]
//   include_synonyms       bool   v1+
//   include_documentation  bool   v3+
//
// DescribeConfigsResponse v0-4
//   throttle_time_ms  int32
//   results           [ error_code     int16
//                       error_message  nullable_string
//                       resource_type  int8
//                       resource_name  string
//                       configs        [ name           string
//                                        value          nullable_string
//                                        read_only      bool
//                                        is_default     bool    v0 only
//                                        config_source  int8    v1+ (1 dynamic topic, 4 static broker, 5 default)
//                                        is_sensitive   bool
//                                        synonyms       [ name string, value nullable_string, source int8 ]  v1+
//                                        config_type    int8    v3+ (1 boolean, 2 string, 3 int, 5 long, 7 list)
//                                        documentation  nullable_string  v3+ ] ]
//
// Version notes: v1 sources and synonyms (KIP-226); v2 throttling; v3 types and documentation
// (KIP-569); v4 flexible.

import type { VersionRange } from "../errors.js";
import { arr, f, struct } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 32, name: "DescribeConfigs", min: 0, max: 4, flexibleFrom: 4 };

export interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configurationKeys: string[] | null }[];
  /** v1+, default false. */
  includeSynonyms?: boolean;
  /** v3+, default false. */
  includeDocumentation?: boolean;
}
export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}
export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** v0 only (later versions say it with config_source). */
  isDefault?: boolean;
  /** v1+, default -1. */
  configSource?: number;
  isSensitive: boolean;
  /** v1+. */
  synonyms?: ConfigSynonym[];
  /** v3+, default 0 (unknown). */
  configType?: number;
  /** v3+, default null. */
  documentation?: string | null;
}
export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribedConfig[];
}
export interface DescribeConfigsResponse {
  throttleTimeMs?: number;
  results: DescribeConfigsResult[];
}

const request = [
  f("resources", arr(struct([
    f("resourceType", "int8", "0+"),
    f("resourceName", "string", "0+"),
    f("configurationKeys", arr("string"), "0+", { nullable: "0+" }),
  ])), "0+"),
  f("includeSynonyms", "bool", "1+", { default: false }),
  f("includeDocumentation", "bool", "3+", { default: false }),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("results", arr(struct([
    f("errorCode", "int16", "0+"),
    f("errorMessage", "string", "0+", { nullable: "0+" }),
    f("resourceType", "int8", "0+"),
    f("resourceName", "string", "0+"),
    f("configs", arr(struct([
      f("name", "string", "0+"),
      f("value", "string", "0+", { nullable: "0+" }),
      f("readOnly", "bool", "0+"),
      f("isDefault", "bool", "0"),
      f("configSource", "int8", "1+", { default: -1 }),
      f("isSensitive", "bool", "0+"),
      f("synonyms", arr(struct([
        f("name", "string", "1+"),
        f("value", "string", "1+", { nullable: "0+" }),
        f("source", "int8", "1+"),
      ])), "1+"),
      f("configType", "int8", "3+", { default: 0 }),
      f("documentation", "string", "3+", { nullable: "0+", default: null }),
    ])), "0+"),
  ])), "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<DescribeConfigsRequest, DescribeConfigsResponse>(
  versions,
  request,
  response,
);
