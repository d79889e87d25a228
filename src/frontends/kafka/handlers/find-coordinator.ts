// FindCoordinator (key 10), v0-6.
//
// Behavior:
// - Group keys (key type 0, and every v0 request): this node, at the advertised host and port; or
//   COORDINATOR_NOT_AVAILABLE (retriable) while the coordinator is not running.
// - Transaction keys (key type 1): this node while the transaction coordinator runs, else
//   COORDINATOR_NOT_AVAILABLE. Other key types (2, share groups): INVALID_REQUEST with a message.
// Version notes: v1 adds key_type, throttle time and error_message; v2 throttling only.
// - v4+ batches keys (KIP-699): each key is answered on its own, with the same rules.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, Coordinator, FindCoordinatorResponse } from "../../../protocol/kafka/index.js";
import type { Handler, KafkaBrokerContext } from "./context.js";

export const handleFindCoordinator: Handler<typeof ApiKey.FindCoordinator> = (ctx, request, info): FindCoordinatorResponse => {
  if (info.header.apiVersion >= 4) {
    const coordinators = (request.coordinatorKeys ?? []).map((key) => find(ctx, key, request.keyType));
    return { errorCode: 0, nodeId: -1, host: "", port: -1, coordinators };
  }
  const { key: _key, ...one } = find(ctx, request.key, request.keyType);
  return one;
};

function find(ctx: KafkaBrokerContext, key: string, keyType: number): Coordinator {
  const none = { key, nodeId: -1, host: "", port: -1 };
  if (keyType === 1) {
    if (!ctx.transactions?.isActive) {
      return { ...none, errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, errorMessage: "the transaction coordinator is not running" };
    }
  } else if (keyType !== 0) {
    return { ...none, errorCode: KafkaErrors.INVALID_REQUEST.code, errorMessage: `key type ${keyType} is not supported` };
  } else if (!ctx.coordinator?.isActive) {
    return { ...none, errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, errorMessage: "the group coordinator is not running" };
  }
  const cluster = ctx.broker.cluster;
  if (cluster) {
    // Cluster mode: the leader of the group's __consumer_offsets partition (Kafka's partitionFor), or of
    // the transactional id's __transaction_state partition (key type 1).
    const offsets = ctx.broker.topic(keyType === 1 ? "__transaction_state" : "__consumer_offsets");
    const state = offsets ? cluster.partition(offsets.name, javaAbs(javaStringHash(key)) % offsets.partitions) : undefined;
    const leader = state ? cluster.brokers().find((b) => b.id === state.leader) : undefined;
    if (!leader) return { ...none, errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, errorMessage: "the group's offsets partition has no leader" };
    if (leader.id === ctx.nodeId) return { key, errorCode: KafkaErrors.NONE.code, errorMessage: null, nodeId: ctx.nodeId, host: ctx.advertisedHost, port: ctx.advertisedPort };
    return { key, errorCode: KafkaErrors.NONE.code, errorMessage: null, nodeId: leader.id, host: leader.host, port: leader.kafkaPort };
  }
  return { key, errorCode: KafkaErrors.NONE.code, errorMessage: null, nodeId: ctx.nodeId, host: ctx.advertisedHost, port: ctx.advertisedPort };
}

/** java.lang.String#hashCode, as the groups layer partitions groups (src/groups/broker-offset-log.ts). */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function javaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}
