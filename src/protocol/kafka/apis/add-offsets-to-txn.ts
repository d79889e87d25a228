// AddOffsetsToTxn (key 25), v0-4. 3+ is flexible.
//
// AddOffsetsToTxnRequest v0-4
//   transactional_id  string
//   producer_id       int64
//   producer_epoch    int16
//   group_id          string
//
// AddOffsetsToTxnResponse v0-4
//   throttle_time_ms  int32
//   error_code        int16
//
// Version notes: v1 throttling; v2 PRODUCER_FENCED may be returned; v3 flexible; v4 TRANSACTION_ABORTABLE
// may be returned (KIP-890; this broker never sends it).

import type { VersionRange } from "../errors.js";
import { f } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 25, name: "AddOffsetsToTxn", min: 0, max: 4, flexibleFrom: 3 };

export interface AddOffsetsToTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  groupId: string;
}
export interface AddOffsetsToTxnResponse {
  throttleTimeMs?: number;
  errorCode: number;
}

const request = [
  f("transactionalId", "string", "0+"),
  f("producerId", "int64", "0+"),
  f("producerEpoch", "int16", "0+"),
  f("groupId", "string", "0+"),
];

const response = [f("throttleTimeMs", "int32", "0+"), f("errorCode", "int16", "0+")];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>(
  versions,
  request,
  response,
);
