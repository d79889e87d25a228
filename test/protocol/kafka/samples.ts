// One request and one response per API with every field set to a non-default value, so a field written
// or read at the wrong version shows up. At an API's maximum version every field is on the wire, so
// decode(encode(sample)) must equal the sample exactly there.

import type { ApiKeyValue, RequestOf, ResponseOf } from "../../../src/protocol/kafka/index.js";
import { securitySamples } from "../../security/kafka-samples.js";
import { transactionSamples } from "../../transactions/kafka-samples.js";

const bytes = (...xs: number[]) => Uint8Array.from(xs);
const text = (s: string) => new TextEncoder().encode(s);

export type Sample<K extends ApiKeyValue> = { request: RequestOf<K>; response: ResponseOf<K> };

export const samples: { [K in ApiKeyValue]: Sample<K> } = {
  0: {
    request: {
      transactionalId: "txn-ü",
      acks: -1,
      timeoutMs: 30000,
      topicData: [
        { name: "orders", partitionData: [{ index: 0, records: bytes(1, 2, 3, 4) }, { index: 7, records: null }] },
        { name: "audit", partitionData: [] },
      ],
    },
    response: {
      responses: [
        {
          name: "orders",
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 1234567890123n, logAppendTimeMs: 1700000000000n, logStartOffset: 5n },
            { index: 7, errorCode: 3, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n },
          ],
        },
      ],
      throttleTimeMs: 12,
    },
  },
  1: {
    request: {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 17,
      sessionEpoch: 4,
      topics: [
        {
          topic: "orders",
          partitions: [
            { partition: 0, currentLeaderEpoch: 3, fetchOffset: 99n, logStartOffset: 2n, partitionMaxBytes: 1048576 },
            { partition: 1, currentLeaderEpoch: -1, fetchOffset: 2n ** 40n, logStartOffset: 0n, partitionMaxBytes: 65536 },
          ],
        },
      ],
      forgottenTopicsData: [{ topic: "gone", partitions: [0, 4] }],
      rackId: "rack-1",
    },
    response: {
      throttleTimeMs: 3,
      errorCode: 0,
      sessionId: 17,
      responses: [
        {
          topic: "orders",
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 120n,
              lastStableOffset: 110n,
              logStartOffset: 2n,
              abortedTransactions: [{ producerId: 77n, firstOffset: 100n }],
              preferredReadReplica: 5,
              records: bytes(9, 8, 7, 6, 5),
            },
            {
              partitionIndex: 1,
              errorCode: 1,
              highWatermark: 0n,
              lastStableOffset: 0n,
              logStartOffset: 0n,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: null,
            },
          ],
        },
      ],
    },
  },
  2: {
    request: {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ name: "orders", partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 1, timestamp: 1700000000000n }] }],
    },
    response: {
      throttleTimeMs: 9,
      topics: [
        {
          name: "orders",
          partitions: [
            { partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 42n },
            { partitionIndex: 1, errorCode: 0, timestamp: 1700000000123n, offset: 7n },
          ],
        },
      ],
    },
  },
  3: {
    request: { topics: [{ name: "orders" }, { name: "événements" }], allowAutoTopicCreation: false },
    response: {
      throttleTimeMs: 1,
      brokers: [
        { nodeId: 1, host: "127.0.0.1", port: 9092, rack: "r1" },
        { nodeId: 2, host: "broker-2.local", port: 19092, rack: null },
      ],
      clusterId: "rivulet-cluster",
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: "orders",
          isInternal: true,
          partitions: [
            { errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2] },
            { errorCode: 9, partitionIndex: 1, leaderId: -1, replicaNodes: [], isrNodes: [], offlineReplicas: [] },
          ],
        },
        { errorCode: 3, name: "missing", isInternal: false, partitions: [] },
      ],
    },
  },
  8: {
    request: {
      groupId: "group-1",
      generationIdOrMemberEpoch: 5,
      memberId: "member-1",
      groupInstanceId: "static-1",
      retentionTimeMs: -1n,
      topics: [
        {
          name: "orders",
          partitions: [
            { partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: 2, committedMetadata: "meta" },
            { partitionIndex: 1, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    },
    response: { throttleTimeMs: 4, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 22 }] }] },
  },
  9: {
    request: { groupId: "group-1", topics: [{ name: "orders", partitionIndexes: [0, 1, 2] }] },
    response: {
      throttleTimeMs: 2,
      topics: [
        {
          name: "orders",
          partitions: [
            { partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: -1, metadata: "meta", errorCode: 0 },
            { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: 4, metadata: null, errorCode: 3 },
          ],
        },
      ],
      errorCode: 16,
    },
  },
  10: {
    request: { key: "group-1", keyType: 1 },
    response: { throttleTimeMs: 6, errorCode: 0, errorMessage: "fine", nodeId: 1, host: "localhost", port: 9092 },
  },
  11: {
    request: {
      groupId: "group-1",
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 60000,
      memberId: "m-1",
      groupInstanceId: "static-1",
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: bytes(0, 1, 2) }, { name: "roundrobin", metadata: bytes() }],
    },
    response: {
      throttleTimeMs: 8,
      errorCode: 0,
      generationId: 3,
      protocolName: "range",
      leader: "m-1",
      memberId: "m-2",
      members: [
        { memberId: "m-1", groupInstanceId: "static-1", metadata: text("meta-1") },
        { memberId: "m-2", groupInstanceId: null, metadata: bytes() },
      ],
    },
  },
  12: {
    request: { groupId: "group-1", generationId: 3, memberId: "m-1", groupInstanceId: "static-1" },
    response: { throttleTimeMs: 5, errorCode: 27 },
  },
  13: {
    request: { groupId: "group-1", memberId: "", members: [{ memberId: "m-1", groupInstanceId: null }, { memberId: "m-2", groupInstanceId: "s-2" }] },
    response: {
      throttleTimeMs: 7,
      errorCode: 0,
      members: [
        { memberId: "m-1", groupInstanceId: null, errorCode: 0 },
        { memberId: "m-2", groupInstanceId: "s-2", errorCode: 25 },
      ],
    },
  },
  14: {
    request: {
      groupId: "group-1",
      generationId: 3,
      memberId: "m-1",
      groupInstanceId: "static-1",
      assignments: [{ memberId: "m-1", assignment: bytes(0, 0, 0, 0) }, { memberId: "m-2", assignment: bytes() }],
    },
    response: { throttleTimeMs: 11, errorCode: 0, assignment: text("assignment") },
  },
  15: {
    request: { groups: ["group-1", "group-2"], includeAuthorizedOperations: true },
    response: {
      throttleTimeMs: 10,
      groups: [
        {
          errorCode: 0,
          errorMessage: "described",
          groupId: "group-1",
          groupState: "Stable",
          protocolType: "consumer",
          protocolData: "range",
          members: [
            {
              memberId: "m-1",
              groupInstanceId: "static-1",
              clientId: "client-1",
              clientHost: "/127.0.0.1",
              memberMetadata: text("meta"),
              memberAssignment: text("assign"),
            },
          ],
          authorizedOperations: 0x0ff8,
        },
        { errorCode: 69, groupId: "group-2", groupState: "Dead", protocolType: "", protocolData: "", members: [], authorizedOperations: -2147483648 },
      ],
    },
  },
  16: {
    request: {},
    response: { throttleTimeMs: 2, errorCode: 0, groups: [{ groupId: "group-1", protocolType: "consumer" }, { groupId: "g2", protocolType: "" }] },
  },
  18: {
    request: { clientSoftwareName: "rivulet-client", clientSoftwareVersion: "0.1.0" },
    response: {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 7 },
        { apiKey: 18, minVersion: 0, maxVersion: 3 },
      ],
      throttleTimeMs: 13,
    },
  },
  19: {
    request: {
      topics: [
        {
          name: "orders",
          numPartitions: 3,
          replicationFactor: 1,
          assignments: [],
          configs: [{ name: "cleanup.policy", value: "compact" }, { name: "retention.ms", value: null }],
        },
        { name: "manual", numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [] },
      ],
      timeoutMs: 10000,
      validateOnly: true,
    },
    response: {
      throttleTimeMs: 14,
      topics: [
        { name: "orders", errorCode: 0, errorMessage: null },
        { name: "manual", errorCode: 36, errorMessage: "Topic 'manual' already exists." },
      ],
    },
  },
  20: {
    request: { topicNames: ["orders", "audit"], timeoutMs: 5000 },
    response: { throttleTimeMs: 15, responses: [{ name: "orders", errorCode: 0 }, { name: "audit", errorCode: 3 }] },
  },
  22: {
    request: { transactionalId: "txn-1", transactionTimeoutMs: 60000 },
    response: { throttleTimeMs: 16, errorCode: 0, producerId: 4242n, producerEpoch: 3 },
  },
  21: {
    request: { topics: [{ name: "orders", partitions: [{ partitionIndex: 0, offset: 42n }, { partitionIndex: 1, offset: -1n }] }], timeoutMs: 3000 },
    response: { throttleTimeMs: 4, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, lowWatermark: 42n, errorCode: 0 }, { partitionIndex: 1, lowWatermark: -1n, errorCode: 1 }] }] },
  },
  23: {
    request: { replicaId: -1, topics: [{ topic: "orders", partitions: [{ partition: 0, currentLeaderEpoch: 2, leaderEpoch: 1 }] }] },
    response: { throttleTimeMs: 5, topics: [{ topic: "orders", partitions: [{ errorCode: 0, partition: 0, leaderEpoch: 1, endOffset: 77n }] }] },
  },
  32: {
    request: { resources: [{ resourceType: 2, resourceName: "orders", configurationKeys: ["retention.ms"] }, { resourceType: 4, resourceName: "1", configurationKeys: null }], includeSynonyms: true, includeDocumentation: true },
    response: {
      throttleTimeMs: 6,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: "orders",
          configs: [
            {
              name: "retention.ms",
              value: "60000",
              readOnly: false,
              isDefault: false,
              configSource: 1,
              isSensitive: false,
              synonyms: [{ name: "retention.ms", value: "60000", source: 1 }, { name: "log.retention.ms", value: null, source: 5 }],
              configType: 5,
              documentation: "how long",
            },
          ],
        },
        { errorCode: 3, errorMessage: "no", resourceType: 4, resourceName: "9", configs: [] },
      ],
    },
  },
  33: {
    request: { resources: [{ resourceType: 2, resourceName: "orders", configs: [{ name: "retention.ms", value: "1000" }, { name: "x", value: null }] }], validateOnly: true },
    response: { throttleTimeMs: 7, responses: [{ errorCode: 40, errorMessage: "bad", resourceType: 2, resourceName: "orders" }] },
  },
  35: {
    request: { topics: [{ topic: "orders", partitions: [0, 2] }] },
    response: {
      throttleTimeMs: 8,
      errorCode: 0,
      results: [{ errorCode: 0, logDir: "/data", topics: [{ name: "orders", partitions: [{ partitionIndex: 0, partitionSize: 1024n, offsetLag: 0n, isFutureKey: false }] }], totalBytes: 1n << 40n, usableBytes: 1n << 39n }],
    },
  },
  37: {
    request: { topics: [{ name: "orders", count: 6, assignments: [{ brokerIds: [1] }] }, { name: "audit", count: 2, assignments: null }], timeoutMs: 5000, validateOnly: true },
    response: { throttleTimeMs: 9, results: [{ name: "orders", errorCode: 0, errorMessage: null }, { name: "audit", errorCode: 37, errorMessage: "smaller" }] },
  },
  42: {
    request: { groupsNames: ["g1", "g2"] },
    response: { throttleTimeMs: 10, results: [{ groupId: "g1", errorCode: 0 }, { groupId: "g2", errorCode: 69 }] },
  },
  44: {
    request: { resources: [{ resourceType: 2, resourceName: "orders", configs: [{ name: "cleanup.policy", configOperation: 2, value: "compact" }, { name: "retention.ms", configOperation: 1, value: null }] }], validateOnly: false },
    response: { throttleTimeMs: 11, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: "orders" }] },
  },
  47: {
    request: { groupId: "g1", topics: [{ name: "orders", partitions: [{ partitionIndex: 0 }, { partitionIndex: 3 }] }] },
    response: { errorCode: 0, throttleTimeMs: 12, topics: [{ name: "orders", partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 3, errorCode: 86 }] }] },
  },
  45: {
    request: { timeoutMs: 30000, allowReplicationFactorChange: false, topics: [{ name: "orders", partitions: [{ partitionIndex: 2, replicas: [3, 1, 2] }, { partitionIndex: 5, replicas: null }] }] },
    response: { throttleTimeMs: 9, allowReplicationFactorChange: false, errorCode: 0, errorMessage: null, responses: [{ name: "orders", partitions: [{ partitionIndex: 2, errorCode: 0, errorMessage: null }, { partitionIndex: 5, errorCode: 85, errorMessage: "no reassignment" }] }] },
  },
  46: {
    request: { timeoutMs: 30000, topics: [{ name: "orders", partitionIndexes: [2, 5] }] },
    response: { throttleTimeMs: 9, errorCode: 0, errorMessage: null, topics: [{ name: "orders", partitions: [{ partitionIndex: 2, replicas: [3, 1, 2, 4], addingReplicas: [3], removingReplicas: [4] }] }] },
  },
  60: {
    request: { includeClusterAuthorizedOperations: true, endpointType: 2, includeFencedBrokers: true },
    response: { throttleTimeMs: 13, errorCode: 0, errorMessage: null, endpointType: 2, clusterId: "c-1", controllerId: 1, brokers: [{ brokerId: 1, host: "h", port: 9092, rack: "r1", isFenced: true }], clusterAuthorizedOperations: 8096 },
  },
  61: {
    request: { topics: [{ name: "orders", partitionIndexes: [0, 1] }] },
    response: {
      throttleTimeMs: 14,
      topics: [
        {
          name: "orders",
          partitions: [
            { partitionIndex: 0, errorCode: 0, errorMessage: null, activeProducers: [{ producerId: 5n, producerEpoch: 1, lastSequence: 9, lastTimestamp: 1700000000000n, coordinatorEpoch: -1, currentTxnStartOffset: -1n }] },
            { partitionIndex: 1, errorCode: 3, errorMessage: "unknown", activeProducers: [] },
          ],
        },
      ],
    },
  },
  68: {
    request: {
      groupId: "g-848",
      memberId: "m-1",
      memberEpoch: 3,
      instanceId: "i-1",
      rackId: "rack-a",
      rebalanceTimeoutMs: 30000,
      subscribedTopicNames: ["orders", "audit"],
      subscribedTopicRegex: "ord.*",
      serverAssignor: "range",
      topicPartitions: [{ topicId: Uint8Array.from({ length: 16 }, (_, i) => i + 1), partitions: [0, 2] }],
    },
    response: {
      throttleTimeMs: 15,
      errorCode: 0,
      errorMessage: "fine",
      memberId: "m-1",
      memberEpoch: 4,
      heartbeatIntervalMs: 5000,
      assignment: { topicPartitions: [{ topicId: Uint8Array.from({ length: 16 }, (_, i) => 16 - i), partitions: [1, 3] }] },
    },
  },
  69: {
    request: { groupIds: ["g-848", "other"], includeAuthorizedOperations: true },
    response: {
      throttleTimeMs: 16,
      groups: [
        {
          errorCode: 0,
          errorMessage: null,
          groupId: "g-848",
          groupState: "Reconciling",
          groupEpoch: 7,
          assignmentEpoch: 6,
          assignorName: "uniform",
          members: [
            {
              memberId: "m-1",
              instanceId: "i-1",
              rackId: null,
              memberEpoch: 6,
              clientId: "c",
              clientHost: "/127.0.0.1",
              subscribedTopicNames: ["orders"],
              subscribedTopicRegex: null,
              assignment: { topicPartitions: [{ topicId: Uint8Array.from({ length: 16 }, (_, i) => i), topicName: "orders", partitions: [0] }] },
              targetAssignment: { topicPartitions: [{ topicId: Uint8Array.from({ length: 16 }, (_, i) => i), topicName: "orders", partitions: [0, 1] }] },
              memberType: 1,
            },
          ],
          authorizedOperations: 8,
        },
        { errorCode: 69, errorMessage: "Group other not found.", groupId: "other", groupState: "", groupEpoch: -1, assignmentEpoch: -1, assignorName: "", members: [], authorizedOperations: -2147483648 },
      ],
    },
  },
  ...securitySamples,
  ...transactionSamples,
};

const uuid = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (i * 17 + n) & 0xff);

/**
 * Samples at the newest version for the APIs whose newest version drops fields of older ones (topic
 * names become ids, one group or key becomes a batch); the max-version tests use these instead.
 */
export const latestSamples: { [K in ApiKeyValue]?: Sample<K> } = {
  // Produce v13 (KIP-516): topics by id, in the request and the response.
  0: {
    request: {
      transactionalId: "txn-ü",
      acks: -1,
      timeoutMs: 30000,
      topicData: [
        { name: "", topicId: uuid(3), partitionData: [{ index: 0, records: bytes(1, 2, 3, 4) }, { index: 7, records: null }] },
        { name: "", topicId: uuid(4), partitionData: [] },
      ],
    },
    response: {
      responses: [
        {
          name: "",
          topicId: uuid(3),
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 1234567890123n, logAppendTimeMs: 1700000000000n, logStartOffset: 5n, recordErrors: [{ batchIndex: 2, batchIndexErrorMessage: "bad" }], errorMessage: "partly" },
            { index: 7, errorCode: 100, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n },
          ],
        },
      ],
      throttleTimeMs: 12,
    },
  },
  // InitProducerId v6 (KIP-939 fields).
  22: {
    request: { transactionalId: "txn-1", transactionTimeoutMs: 60000, producerId: 4242n, producerEpoch: 3, enable2Pc: true, keepPreparedTxn: true },
    response: { throttleTimeMs: 16, errorCode: 0, producerId: 4242n, producerEpoch: 4, ongoingTxnProducerId: 4242n, ongoingTxnProducerEpoch: 3 },
  },
  // ListTransactions v2 (KIP-1152 pattern).
  66: {
    request: { stateFilters: ["Ongoing"], producerIdFilters: [81n], durationFilter: 5000n, transactionalIdPattern: "orders-.*" },
    response: { throttleTimeMs: 7, errorCode: 0, unknownStateFilters: ["Nope"], transactionStates: [{ transactionalId: "orders-1", producerId: 81n, transactionState: "Ongoing" }] },
  },
  1: {
    request: {
      clusterId: "cluster-1",
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 17,
      sessionEpoch: 4,
      topics: [
        {
          topic: "",
          topicId: uuid(1),
          partitions: [{ partition: 0, currentLeaderEpoch: 3, fetchOffset: 99n, lastFetchedEpoch: 2, logStartOffset: 2n, partitionMaxBytes: 1048576, highWatermark: 98n }],
        },
      ],
      forgottenTopicsData: [{ topic: "", topicId: uuid(2), partitions: [0, 4] }],
      rackId: "rack-1",
    },
    response: {
      throttleTimeMs: 3,
      errorCode: 0,
      sessionId: 17,
      responses: [
        {
          topic: "",
          topicId: uuid(1),
          partitions: [
            { partitionIndex: 0, errorCode: 0, highWatermark: 100n, lastStableOffset: 90n, logStartOffset: 0n, abortedTransactions: [{ producerId: 7n, firstOffset: 3n }], preferredReadReplica: -1, records: bytes(9, 8, 7) },
            { partitionIndex: 1, errorCode: 1, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, preferredReadReplica: -1, records: bytes() },
          ],
        },
      ],
    },
  },
  8: {
    request: {
      groupId: "group-1",
      generationIdOrMemberEpoch: 5,
      memberId: "member-1",
      groupInstanceId: "static-1",
      retentionTimeMs: -1n,
      topics: [{ name: "", topicId: uuid(6), partitions: [{ partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: 2, committedMetadata: "meta" }] }],
    },
    response: { throttleTimeMs: 4, topics: [{ name: "", topicId: uuid(6), partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 100 }] }] },
  },
  9: {
    request: {
      groupId: "",
      topics: [],
      groups: [
        { groupId: "group-1", memberId: "m-1", memberEpoch: 5, topics: [{ name: "", topicId: uuid(5), partitionIndexes: [0, 1] }] },
        { groupId: "group-2", memberId: null, memberEpoch: -1, topics: null },
      ],
      requireStable: true,
    },
    response: {
      throttleTimeMs: 2,
      topics: [],
      groups: [
        {
          groupId: "group-1",
          topics: [{ name: "", topicId: uuid(5), partitions: [{ partitionIndex: 0, committedOffset: 100n, committedLeaderEpoch: 4, metadata: "meta", errorCode: 0 }] }],
          errorCode: 0,
        },
        { groupId: "group-2", topics: [], errorCode: 16 },
      ],
    },
  },
  10: {
    request: { key: "", keyType: 0, coordinatorKeys: ["group-1", "group-2"] },
    response: {
      throttleTimeMs: 6,
      errorCode: 0,
      nodeId: 0,
      host: "",
      port: 0,
      coordinators: [
        { key: "group-1", nodeId: 1, host: "localhost", port: 9092, errorCode: 0, errorMessage: null },
        { key: "group-2", nodeId: -1, host: "", port: -1, errorCode: 15, errorMessage: "not now" },
      ],
    },
  },
  20: {
    request: { topics: [{ name: "orders", topicId: uuid(0) }, { name: null, topicId: uuid(3) }], topicNames: [], timeoutMs: 5000 },
    response: {
      throttleTimeMs: 15,
      responses: [
        { name: "orders", topicId: uuid(4), errorCode: 0, errorMessage: null },
        { name: null, topicId: uuid(3), errorCode: 100, errorMessage: "unknown id" },
      ],
    },
  },
  ...securitySamples,
};
