// Authorization guards for the data and topic APIs (the group APIs are in guards-groups.ts). A guard runs
// instead of the handler when an authorizer is configured: it checks the principal's rights per resource,
// calls the handler (`next`) with only the authorized part of the request, and merges Kafka's per-resource
// errors for the rest back in request order. Handlers themselves stay unaware of authorization.
//
//   Produce         WRITE topic (+ WRITE transactional id when one is set)   29 / 53 per partition
//   Fetch           READ topic                                               29 per partition
//   ListOffsets     DESCRIBE topic                                           29 per partition
//   Metadata        DESCRIBE topic: all-topics lists only describable ones; a named one gets 29;
//                   auto-creation needs CREATE on the cluster or the topic
//   CreateTopics    CREATE on the cluster or the topic                       29 per topic
//   DeleteTopics    DELETE topic                                             29 per topic
//   InitProducerId  WRITE transactional id (53); without one IDEMPOTENT_WRITE on the cluster or WRITE on
//                   any topic, as Kafka 3 does (KIP-679) (31)

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, ApiKeyValue, FetchPartitionResponse, MetadataTopic } from "../../../protocol/kafka/index.js";
import { Operation, ResourceType } from "../../../security/index.js";
import { may, mayAny, mayCluster } from "./authorize.js";
import { isZeroUuid, topicById } from "./topic-ids.js";
import { NO_RESPONSE, type Handler, type KafkaBrokerContext, type NoResponse, type RequestInfo } from "./context.js";
import type { RequestOf, ResponseOf } from "../../../protocol/kafka/index.js";

export type Guard<K extends ApiKeyValue> = (
  ctx: KafkaBrokerContext,
  request: RequestOf<K>,
  info: RequestInfo,
  next: (request: RequestOf<K>) => Promise<ResponseOf<K> | NoResponse>,
) => Promise<ResponseOf<K> | NoResponse>;

const TOPIC_DENIED = KafkaErrors.TOPIC_AUTHORIZATION_FAILED.code;

/**
 * Runs `call` on the allowed items only and returns one result per item in the original order: the
 * handler's for allowed ones (it answers them in request order), `denied(item)` for the rest.
 */
export async function mergeAllowed<T, R>(items: readonly T[], allowed: (item: T) => boolean, call: (subset: T[]) => Promise<R[]>, denied: (item: T) => R): Promise<R[]> {
  const flags = items.map(allowed);
  const subset = items.filter((_, i) => flags[i]);
  const results = subset.length ? await call(subset) : [];
  let next = 0;
  return items.map((item, i) => (flags[i] ? results[next++]! : denied(item)));
}

const unwrap = <T>(r: T | NoResponse): T => {
  if (r === NO_RESPONSE) throw new Error("handler gave no response where one is required");
  return r;
};

export const produceGuard: Guard<typeof ApiKey.Produce> = async (ctx, request, info, next) => {
  const txnDenied = request.transactionalId !== null && !may(ctx, info, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId);
  const code = txnDenied ? KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code : TOPIC_DENIED;
  let acksZero = false;
  // v13 names topics by id: an id no topic has is the handler's to answer (UNKNOWN_TOPIC_ID comes before
  // authorization in Kafka), a known one is checked by the topic's name.
  const nameOf = (t: (typeof request.topicData)[number]) => (t.name !== "" ? t.name : t.topicId && !isZeroUuid(t.topicId) ? topicById(ctx, t.topicId)?.name : undefined);
  const responses = await mergeAllowed(
    request.topicData,
    (t) => {
      if (txnDenied) return false;
      const name = nameOf(t);
      return name === undefined || may(ctx, info, Operation.WRITE, ResourceType.TOPIC, name);
    },
    async (topicData) => {
      const r = await next({ ...request, topicData });
      if (r === NO_RESPONSE) acksZero = true;
      return r === NO_RESPONSE ? [] : r.responses;
    },
    (t) => ({ name: t.name, topicId: t.topicId, partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: code, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n })) }),
  );
  if (acksZero || request.acks === 0) return NO_RESPONSE;
  return { responses, throttleTimeMs: 0 };
};

export const fetchGuard: Guard<typeof ApiKey.Fetch> = async (ctx, request, info, next) => {
  let top: { errorCode: number; sessionId: number } = { errorCode: KafkaErrors.NONE.code, sessionId: 0 };
  // v13+ names topics by id (KIP-516): a known id is checked by its topic's name, an unknown one is left
  // to the handler (UNKNOWN_TOPIC_ID).
  const nameOf = (t: (typeof request.topics)[number]) => (t.topic ? t.topic : t.topicId && !isZeroUuid(t.topicId) ? topicById(ctx, t.topicId)?.name : undefined);
  const responses = await mergeAllowed(
    request.topics,
    (t) => {
      const name = nameOf(t);
      return name === undefined || may(ctx, info, Operation.READ, ResourceType.TOPIC, name);
    },
    async (topics) => {
      const r = unwrap(await next({ ...request, topics }));
      top = { errorCode: r.errorCode ?? 0, sessionId: r.sessionId ?? 0 };
      return r.responses;
    },
    (t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p): FetchPartitionResponse => ({ partitionIndex: p.partition, errorCode: TOPIC_DENIED, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, abortedTransactions: null, records: null })) }),
  );
  return { throttleTimeMs: 0, ...top, responses };
};

export const listOffsetsGuard: Guard<typeof ApiKey.ListOffsets> = async (ctx, request, info, next) => {
  const topics = await mergeAllowed(
    request.topics,
    (t) => may(ctx, info, Operation.DESCRIBE, ResourceType.TOPIC, t.name),
    async (topics) => unwrap(await next({ ...request, topics })).topics,
    (t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: TOPIC_DENIED, timestamp: -1n, offset: -1n })) }),
  );
  return { throttleTimeMs: 0, topics };
};

export const metadataGuard: Guard<typeof ApiKey.Metadata> = async (ctx, request, info, next) => {
  // A topic asked for by id (v10+) is checked by the name it has; an id nobody knows is the handler's
  // (UNKNOWN_TOPIC_ID), as is a response entry without a name.
  const nameOf = (t: { name: string | null; topicId?: Uint8Array }) => t.name ?? (t.topicId ? topicById(ctx, t.topicId)?.name : undefined) ?? null;
  const describable = (name: string | null) => name === null || may(ctx, info, Operation.DESCRIBE, ResourceType.TOPIC, name);
  if (request.topics === null) {
    const r = unwrap(await next(request));
    return { ...r, topics: r.topics.filter((t) => describable(t.name)) };
  }
  const allowed = request.topics.filter((t) => describable(nameOf(t)));
  const denied = request.topics.filter((t) => !describable(nameOf(t)));
  // Creating a missing topic needs CREATE on the cluster or on that topic; one that may not be created is
  // answered as unknown, as Kafka does.
  const canCreate = (name: string | null) => name !== null && (mayCluster(ctx, info, Operation.CREATE) || may(ctx, info, Operation.CREATE, ResourceType.TOPIC, name));
  const allowAuto = request.allowAutoTopicCreation && allowed.every((t) => t.name === null || ctx.broker.topic(t.name) !== undefined || canCreate(t.name));
  const r = unwrap(await next({ ...request, topics: allowed, allowAutoTopicCreation: allowAuto }));
  const deniedTopics: MetadataTopic[] = denied.map((t) => ({ errorCode: TOPIC_DENIED, name: nameOf(t), topicId: t.topicId, isInternal: false, partitions: [] }));
  return { ...r, topics: [...r.topics, ...deniedTopics] };
};

export const createTopicsGuard: Guard<typeof ApiKey.CreateTopics> = async (ctx, request, info, next) => {
  const cluster = mayCluster(ctx, info, Operation.CREATE);
  let throttleTimeMs = 0;
  const topics = await mergeAllowed(
    request.topics,
    (t) => cluster || may(ctx, info, Operation.CREATE, ResourceType.TOPIC, t.name),
    async (topics) => {
      const r = unwrap(await next({ ...request, topics }));
      throttleTimeMs = r.throttleTimeMs ?? 0;
      return r.topics;
    },
    (t) => ({ name: t.name, errorCode: TOPIC_DENIED, errorMessage: "Authorization failed." }),
  );
  return { throttleTimeMs, topics };
};

export const deleteTopicsGuard: Guard<typeof ApiKey.DeleteTopics> = async (ctx, request, info, next) => {
  const names = await mergeAllowed(
    request.topicNames,
    (name) => may(ctx, info, Operation.DELETE, ResourceType.TOPIC, name),
    async (topicNames) => unwrap(await next({ ...request, topicNames })).responses,
    (name) => ({ name, errorCode: TOPIC_DENIED }),
  );
  return { throttleTimeMs: 0, responses: names };
};

export const initProducerIdGuard: Guard<typeof ApiKey.InitProducerId> = async (ctx, request, info, next) => {
  const deny = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
  if (request.transactionalId !== null) {
    if (!may(ctx, info, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) return deny(KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code);
  } else if (!mayCluster(ctx, info, Operation.IDEMPOTENT_WRITE) && !mayAny(ctx, info, Operation.WRITE, ResourceType.TOPIC)) {
    return deny(KafkaErrors.CLUSTER_AUTHORIZATION_FAILED.code);
  }
  return next(request);
};

export type { Handler };
