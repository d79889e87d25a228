// EndTxn (key 26), v0-4. 3+ is flexible. v5 (KIP-890 transactions v2: the epoch bumps on every end, and
// the response carries the new producer id and epoch) is not implemented.
//
// EndTxnRequest v0-4
//   transactional_id  string
//   producer_id       int64
//   producer_epoch    int16
//   committed         bool     true commit, false abort
//
// EndTxnResponse v0-4
//   throttle_time_ms  int32
//   error_code        int16
//
// Version notes: v1 throttling; v2 PRODUCER_FENCED may be returned; v3 flexible; v4 TRANSACTION_ABORTABLE.

import type { VersionRange } from "../errors.js";
import { f } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 26, name: "EndTxn", min: 0, max: 4, flexibleFrom: 3 };

export interface EndTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  committed: boolean;
}
export interface EndTxnResponse {
  throttleTimeMs?: number;
  errorCode: number;
}

const request = [
  f("transactionalId", "string", "0+"),
  f("producerId", "int64", "0+"),
  f("producerEpoch", "int16", "0+"),
  f("committed", "bool", "0+"),
];

const response = [f("throttleTimeMs", "int32", "0+"), f("errorCode", "int16", "0+")];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<EndTxnRequest, EndTxnResponse>(versions, request, response);
