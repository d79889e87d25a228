// Samples (every field non-default) for the transaction APIs, merged into test/protocol/kafka/samples.ts so
// the shared round-trip, fuzz and spec-bytes tests cover them too.

import type { ApiKeyValue, RequestOf, ResponseOf } from "../../src/protocol/kafka/index.js";

type Sample<K extends ApiKeyValue> = { request: RequestOf<K>; response: ResponseOf<K> };

export const transactionSamples: { [K in 24 | 25 | 26 | 28 | 65 | 66]: Sample<K> } = {
  24: {
    request: { transactionalId: "tx-ü", producerId: 77n, producerEpoch: 3, topics: [{ name: "orders", partitions: [0, 5] }, { name: "audit", partitions: [] }] },
    response: { throttleTimeMs: 9, results: [{ name: "orders", results: [{ partitionIndex: 0, partitionErrorCode: 0 }, { partitionIndex: 5, partitionErrorCode: 55 }] }] },
  },
  25: {
    request: { transactionalId: "tx-1", producerId: 78n, producerEpoch: 4, groupId: "g-ü" },
    response: { throttleTimeMs: 3, errorCode: 51 },
  },
  26: {
    request: { transactionalId: "tx-2", producerId: 79n, producerEpoch: 5, committed: true },
    response: { throttleTimeMs: 4, errorCode: 48 },
  },
  28: {
    request: {
      transactionalId: "tx-3",
      groupId: "g",
      producerId: 80n,
      producerEpoch: 6,
      generationId: 12,
      memberId: "m-1",
      groupInstanceId: "inst",
      topics: [{ name: "in", partitions: [{ partitionIndex: 2, committedOffset: 1234n, committedLeaderEpoch: 7, committedMetadata: "meta" }] }],
    },
    response: { throttleTimeMs: 5, topics: [{ name: "in", partitions: [{ partitionIndex: 2, errorCode: 47 }] }] },
  },
  65: {
    request: { transactionalIds: ["a", "b-ü"] },
    response: {
      throttleTimeMs: 6,
      transactionStates: [
        { errorCode: 0, transactionalId: "a", transactionState: "Ongoing", transactionTimeoutMs: 60000, transactionStartTimeMs: 1700000000000n, producerId: 81n, producerEpoch: 2, topics: [{ topic: "out", partitions: [0, 3] }] },
        { errorCode: 105, transactionalId: "b-ü", transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] },
      ],
    },
  },
  66: {
    request: { stateFilters: ["Ongoing"], producerIdFilters: [81n], durationFilter: 5000n },
    response: { throttleTimeMs: 7, errorCode: 0, unknownStateFilters: ["Nope"], transactionStates: [{ transactionalId: "a", producerId: 81n, transactionState: "Ongoing" }] },
  },
};
