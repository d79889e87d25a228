// InitProducerId (key 22), v0-5. 2+ is flexible.
//
// InitProducerIdRequest v0-5
//   transactional_id        nullable_string
//   transaction_timeout_ms  int32
//   producer_id             int64   v3+ (default -1: a new producer)
//   producer_epoch          int16   v3+ (default -1)
//
// InitProducerIdResponse v0-5
//   throttle_time_ms  int32
//   error_code        int16
//   producer_id       int64   (default -1)
//   producer_epoch    int16
//
// Version notes: v1 throttling semantics; v2 flexible; v3 re-initialise an existing producer id and
// epoch (KIP-360); v4 PRODUCER_FENCED; v5 TRANSACTION_ABORTABLE (KIP-890).

import type { VersionRange } from "../errors.js";
import { f } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 22, name: "InitProducerId", min: 0, max: 5, flexibleFrom: 2 };

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** v3+, default -1. */
  producerId?: bigint;
  /** v3+, default -1. */
  producerEpoch?: number;
}
export interface InitProducerIdResponse {
  throttleTimeMs?: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

const request = [
  f("transactionalId", "string", "0+", { nullable: "0+" }),
  f("transactionTimeoutMs", "int32", "0+"),
  f("producerId", "int64", "3+", { default: -1n }),
  f("producerEpoch", "int16", "3+", { default: -1 }),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("errorCode", "int16", "0+"),
  f("producerId", "int64", "0+", { default: -1n }),
  f("producerEpoch", "int16", "0+"),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<InitProducerIdRequest, InitProducerIdResponse>(
  versions,
  request,
  response,
);
