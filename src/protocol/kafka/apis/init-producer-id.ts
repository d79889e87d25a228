// InitProducerId (key 22), v0-6. 2+ is flexible.
//
// InitProducerIdRequest v0-6
//   transactional_id        nullable_string
//   transaction_timeout_ms  int32
//   producer_id             int64   v3+ (default -1: a new producer)
//   producer_epoch          int16   v3+ (default -1)
//   enable_2pc              bool    v6+ (default false)
//   keep_prepared_txn       bool    v6+ (default false)
//
// InitProducerIdResponse v0-6
//   throttle_time_ms              int32
//   error_code                    int16
//   producer_id                   int64   (default -1)
//   producer_epoch                int16
//   ongoing_txn_producer_id       int64   v6+ (default -1)
//   ongoing_txn_producer_epoch    int16   v6+ (default -1)
//
// Version notes: v1 throttling semantics; v2 flexible; v3 re-initialise an existing producer id and
// epoch (KIP-360); v4 PRODUCER_FENCED; v5 TRANSACTION_ABORTABLE (KIP-890); v6 (Kafka 4.1) the KIP-939
// two-phase commit fields, none of them tagged. Kafka 4.1.0's InitProducerIdRequest.json marks v6
// "latestVersionUnstable" (a stock 4.1 broker does not advertise it unless unstable.api.versions.enable
// is set). Field order and versions cross-checked in two independent sources: the 4.1 branch JSON in
// Aiven's inkless fork (rlaidet/inkless, 4.1.0-SNAPSHOT) and tychedelia/kafka-protocol-rs's code
// generated from the 4.1.0 tag (response: OngoingTxnProducerId/Epoch at v6, defaults -1; its request
// drops v6 as unstable, with Enable2Pc then KeepPreparedTxn in that order).

import type { VersionRange } from "../errors.js";
import { f } from "../schema.js";
import { defineApi } from "../schema-compile.js";

export const versions: VersionRange = { key: 22, name: "InitProducerId", min: 0, max: 6, flexibleFrom: 2 };

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** v3+, default -1. */
  producerId?: bigint;
  /** v3+, default -1. */
  producerEpoch?: number;
  /** v6+, default false: the client asks for two-phase commit (KIP-939). */
  enable2Pc?: boolean;
  /** v6+, default false: keep a prepared transaction rather than aborting it (KIP-939). */
  keepPreparedTxn?: boolean;
}
export interface InitProducerIdResponse {
  throttleTimeMs?: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
  /** v6+, default -1: the producer id of the kept prepared transaction. */
  ongoingTxnProducerId?: bigint;
  /** v6+, default -1. */
  ongoingTxnProducerEpoch?: number;
}

const request = [
  f("transactionalId", "string", "0+", { nullable: "0+" }),
  f("transactionTimeoutMs", "int32", "0+"),
  f("producerId", "int64", "3+", { default: -1n }),
  f("producerEpoch", "int16", "3+", { default: -1 }),
  f("enable2Pc", "bool", "6+", { default: false }),
  f("keepPreparedTxn", "bool", "6+", { default: false }),
];

const response = [
  f("throttleTimeMs", "int32", "0+"),
  f("errorCode", "int16", "0+"),
  f("producerId", "int64", "0+", { default: -1n }),
  f("producerEpoch", "int16", "0+"),
  f("ongoingTxnProducerId", "int64", "6+", { default: -1n }),
  f("ongoingTxnProducerEpoch", "int16", "6+", { default: -1 }),
];

export const { decodeRequest, encodeRequest, decodeResponse, encodeResponse } = defineApi<InitProducerIdRequest, InitProducerIdResponse>(
  versions,
  request,
  response,
);
