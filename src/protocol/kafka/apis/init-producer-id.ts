// InitProducerId (key 22), v0-1. v0 is librdkafka's idempotence gate; capped at 1 because 2+ is
// flexible (3+ adds the KIP-360 epoch bump, which only transactional producers use).
//
// InitProducerIdRequest v0-1
//   transactional_id        nullable_string   null for an idempotent (non-transactional) producer
//   transaction_timeout_ms  int32
//
// InitProducerIdResponse v0-1
//   throttle_time_ms  int32
//   error_code        int16
//   producer_id       int64     -1 on error
//   producer_epoch    int16
//
// Version notes: v1 only changes throttling (KIP-219).

import { checkVersion, type VersionRange } from "../errors.js";
import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const versions: VersionRange = { key: 22, name: "InitProducerId", min: 0, max: 1, flexibleFrom: 2 };

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
}

export interface InitProducerIdResponse {
  /** Default 0. */
  throttleTimeMs?: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export function decodeRequest(r: Reader, version: number): InitProducerIdRequest {
  checkVersion(versions, version);
  return { transactionalId: r.nullableString(), transactionTimeoutMs: r.int32() };
}

export function encodeRequest(w: Writer, version: number, req: InitProducerIdRequest): void {
  checkVersion(versions, version);
  w.nullableString(req.transactionalId).int32(req.transactionTimeoutMs);
}

export function encodeResponse(w: Writer, version: number, res: InitProducerIdResponse): void {
  checkVersion(versions, version);
  w.int32(res.throttleTimeMs ?? 0).int16(res.errorCode).int64(res.producerId).int16(res.producerEpoch);
}

export function decodeResponse(r: Reader, version: number): InitProducerIdResponse {
  checkVersion(versions, version);
  return { throttleTimeMs: r.int32(), errorCode: r.int16(), producerId: r.int64(), producerEpoch: r.int16() };
}
