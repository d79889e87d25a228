// Responses we encode, read back by kafkajs 2.2.4's own response decoders (an independent client), field
// by field, for every API and version kafkajs implements inside our ranges; kafkajs must also consume
// every byte. Fetch, whose decoder parses record batches, is covered in fetch.test.ts.

import { describe, expect, it } from "vitest";
import { concat, encodeResponseFrame, type ApiKeyValue, type ResponseOf } from "../../../src/protocol/kafka/index.js";
import { kafkajsDecode, normalize } from "./kafkajs.js";
import { samples } from "./samples.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const s = (v: bigint | undefined) => String(v);
const arr = (b: Uint8Array) => [...b];
const byTopic = (a: { topic: string }, b: { topic: string }) => a.topic.localeCompare(b.topic);

interface Case<K extends ApiKeyValue> {
  key: K;
  api: string;
  versions: number[];
  expected: (r: ResponseOf<K>, v: number) => any;
}
const c = <K extends ApiKeyValue>(x: Case<K>) => x as unknown as Case<ApiKeyValue>;

const cases: Case<ApiKeyValue>[] = [
  c({
    key: 18,
    api: "apiVersions",
    versions: [0, 1, 2],
    expected: (r, v) => ({ errorCode: r.errorCode, apiVersions: r.apiKeys, ...(v >= 1 && { throttleTime: r.throttleTimeMs }) }),
  }),
  c({
    key: 0,
    api: "produce",
    versions: [3, 4, 5, 6, 7],
    expected: (r, v) => ({
      topics: r.responses.map((t) => ({
        topicName: t.name,
        partitions: t.partitionResponses.map((p) => ({
          partition: p.index,
          errorCode: p.errorCode,
          baseOffset: s(p.baseOffset),
          logAppendTime: s(p.logAppendTimeMs),
          ...(v >= 5 && { logStartOffset: s(p.logStartOffset) }),
        })),
      })),
      throttleTime: r.throttleTimeMs,
    }),
  }),
  c({
    key: 2,
    api: "listOffsets",
    versions: [1, 2, 3],
    expected: (r, v) => ({
      ...(v >= 2 && { throttleTime: r.throttleTimeMs }),
      responses: r.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, errorCode: p.errorCode, timestamp: s(p.timestamp), offset: s(p.offset) })),
      })),
    }),
  }),
  c({
    key: 3,
    api: "metadata",
    versions: [0, 1, 2, 3, 4, 5, 6],
    expected: (r, v) => ({
      ...(v >= 3 && { throttleTime: r.throttleTimeMs }),
      brokers: r.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, ...(v >= 1 && { rack: b.rack }) })),
      ...(v >= 2 && { clusterId: r.clusterId }),
      ...(v >= 1 && { controllerId: r.controllerId }),
      topicMetadata: r.topics.map((t) => ({
        topicErrorCode: t.errorCode,
        topic: t.name,
        ...(v >= 1 && { isInternal: t.isInternal }),
        partitionMetadata: t.partitions.map((p) => ({
          partitionErrorCode: p.errorCode,
          partitionId: p.partitionIndex,
          leader: p.leaderId,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          ...(v >= 5 && { offlineReplicas: p.offlineReplicas }),
        })),
      })),
    }),
  }),
  c({
    key: 8,
    api: "offsetCommit",
    versions: [2, 3, 4, 5],
    expected: (r, v) => ({
      ...(v >= 3 && { throttleTime: r.throttleTimeMs }),
      responses: r.topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, errorCode: p.errorCode })) })),
    }),
  }),
  c({
    key: 9,
    api: "offsetFetch",
    versions: [1, 2, 3, 4],
    expected: (r, v) => ({
      ...(v >= 3 && { throttleTime: r.throttleTimeMs }),
      responses: r.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, offset: s(p.committedOffset), metadata: p.metadata, errorCode: p.errorCode })),
      })),
      ...(v >= 2 && { errorCode: r.errorCode }),
    }),
  }),
  c({
    key: 10,
    api: "findCoordinator",
    versions: [0, 1, 2],
    expected: (r, v) => ({
      ...(v >= 1 && { throttleTime: r.throttleTimeMs, errorMessage: r.errorMessage }),
      errorCode: r.errorCode,
      coordinator: { nodeId: r.nodeId, host: r.host, port: r.port },
    }),
  }),
  c({
    key: 11,
    api: "joinGroup",
    versions: [0, 1, 2, 3, 4, 5],
    expected: (r, v) => ({
      ...(v >= 2 && { throttleTime: r.throttleTimeMs }),
      errorCode: r.errorCode,
      generationId: r.generationId,
      groupProtocol: r.protocolName,
      leaderId: r.leader,
      memberId: r.memberId,
      members: r.members.map((m) => ({ memberId: m.memberId, ...(v >= 5 && { groupInstanceId: m.groupInstanceId }), memberMetadata: arr(m.metadata) })),
    }),
  }),
  c({ key: 12, api: "heartbeat", versions: [0, 1, 2, 3], expected: (r, v) => ({ ...(v >= 1 && { throttleTime: r.throttleTimeMs }), errorCode: r.errorCode }) }),
  c({
    key: 13,
    api: "leaveGroup",
    versions: [0, 1, 2, 3],
    expected: (r, v) => ({ ...(v >= 1 && { throttleTime: r.throttleTimeMs }), errorCode: r.errorCode, ...(v >= 3 && { members: r.members }) }),
  }),
  c({
    key: 14,
    api: "syncGroup",
    versions: [0, 1, 2, 3],
    expected: (r, v) => ({ ...(v >= 1 && { throttleTime: r.throttleTimeMs }), errorCode: r.errorCode, memberAssignment: arr(r.assignment) }),
  }),
  c({
    key: 15,
    api: "describeGroups",
    versions: [0, 1, 2],
    expected: (r, v) => ({
      ...(v >= 1 && { throttleTime: r.throttleTimeMs }),
      groups: r.groups.map((g) => ({
        errorCode: g.errorCode,
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: arr(m.memberMetadata),
          memberAssignment: arr(m.memberAssignment),
        })),
      })),
    }),
  }),
  c({
    key: 16,
    api: "listGroups",
    versions: [0, 1, 2],
    expected: (r, v) => ({ ...(v >= 1 && { throttleTime: r.throttleTimeMs }), errorCode: r.errorCode, groups: r.groups }),
  }),
  c({
    key: 19,
    api: "createTopics",
    versions: [0, 1, 2, 3],
    expected: (r, v) => ({
      ...(v >= 2 && { throttleTime: r.throttleTimeMs }),
      topicErrors: r.topics
        .map((t) => ({ topic: t.name, errorCode: t.errorCode, ...(v >= 1 && { errorMessage: t.errorMessage }) }))
        .sort(byTopic),
    }),
  }),
  c({
    key: 20,
    api: "deleteTopics",
    versions: [0, 1],
    expected: (r, v) => ({
      ...(v >= 1 && { throttleTime: r.throttleTimeMs }),
      topicErrors: r.responses.map((t) => ({ topic: t.name ?? "", errorCode: t.errorCode })).sort(byTopic),
    }),
  }),
  c({
    key: 22,
    api: "initProducerId",
    versions: [0, 1],
    expected: (r) => ({ throttleTime: r.throttleTimeMs, errorCode: r.errorCode, producerId: s(r.producerId), producerEpoch: r.producerEpoch }),
  }),
];

describe("kafkajs 2.2.4 decodes our responses", () => {
  for (const k of cases) {
    for (const v of k.versions) {
      it(`${k.api} v${v}`, async () => {
        const response = samples[k.key].response;
        const frame = concat(encodeResponseFrame(k.key, v, 0x01020304, response));
        const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
        expect(view.getInt32(0)).toBe(frame.length - 4);
        expect(view.getInt32(4)).toBe(0x01020304); // response header v0: correlation id only
        const body = frame.subarray(8);
        const { decoded, consumed } = await kafkajsDecode(k.api, v, body);
        expect(normalize(decoded)).toEqual(normalize(k.expected(response, v)));
        expect(consumed).toBe(body.length);
      });
    }
  }
});
