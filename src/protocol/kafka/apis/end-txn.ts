// EndTxn (key 26), v0-5. 3+ is flexible. v5 is transactions v2 (KIP-890 part 2): the coordinator bumps
// the producer epoch at every end and the response carries the producer id and epoch to use next.
//
// EndTxnRequest v0-5
//   transactional_id  string
//   producer_id       int64
//   producer_epoch    int16
//   committed         bool     true commit, false abort
//
// EndTxnResponse v0-5
//   throttle_time_ms  int32
//   error_code        int16
//   producer_id       int64    v5+ (default -1)
//   producer_epoch    int16    v5+ (default -1)
//
// Version notes: v1 throttling; v2 PRODUCER_FENCED may be returned; v3 flexible; v4 TRANSACTION_ABORTABLE; v5 transactions v2
// (the request is unchanged; the response gains producer_id and producer_epoch).

import type { VersionRange } from "../errors.js";
import { f } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 26, name: "EndTxn", min: 0, max: 5, flexibleFrom: 3 };

export interface EndTxnRequest {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  committed: boolean;
}
export interface EndTxnResponse {
  throttleTimeMs?: number;
  errorCode: number;
  /** v5+: the producer id to use next (-1 on error). */
  producerId?: bigint;
  /** v5+: the bumped epoch to use next (-1 on error). */
  producerEpoch?: number;
}

const request = [
  f("transactionalId", "string", "0+"),
  f("producerId", "int64", "0+"),
  f("producerEpoch", "int16", "0+"),
  f("committed", "bool", "0+"),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("errorCode", "int16", "0+"),
  f("producerId", "int64", "5+", { default: -1n }),
  f("producerEpoch", "int16", "5+", { default: -1 }),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<EndTxnRequest, EndTxnResponse>(versions, request, response);
