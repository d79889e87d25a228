// Authorization of the transaction APIs (issue 16), as Kafka's KafkaApis checks them:
//
//   AddPartitionsToTxn    WRITE transactional id (53 on every partition); WRITE on each topic: denied
//                         topics 29, the others OPERATION_NOT_ATTEMPTED (55), nothing added
//   AddOffsetsToTxn       WRITE transactional id (53), READ group (30)
//   EndTxn                WRITE transactional id (53)
//   TxnOffsetCommit       WRITE transactional id (53), READ group (30) for every partition; READ topic (29)
//                         per topic, the allowed ones go through
//   DescribeTransactions  DESCRIBE per transactional id (53 for that entry)
//   ListTransactions      only the ids the principal may DESCRIBE are listed

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { Operation, ResourceType } from "../../../security/index.js";
import { may } from "./authorize.js";
import { NO_RESPONSE, type KafkaBrokerContext, type RequestInfo } from "./context.js";
import type { Guard } from "./guards-data.js";

const TXN_DENIED = KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code;
const TOPIC_DENIED = KafkaErrors.TOPIC_AUTHORIZATION_FAILED.code;
const GROUP_DENIED = KafkaErrors.GROUP_AUTHORIZATION_FAILED.code;
const NOT_ATTEMPTED = 55;

const mayWriteTxn = (ctx: KafkaBrokerContext, info: RequestInfo, id: string) => may(ctx, info, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, id);

export const addPartitionsToTxnGuard: Guard<typeof ApiKey.AddPartitionsToTxn> = async (ctx, request, info, next) => {
  const answer = (code: (topic: string) => number) => ({
    throttleTimeMs: 0,
    results: request.topics.map((t) => ({ name: t.name, results: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: code(t.name) })) })),
  });
  if (!mayWriteTxn(ctx, info, request.transactionalId)) return answer(() => TXN_DENIED);
  const denied = new Set(request.topics.filter((t) => !may(ctx, info, Operation.WRITE, ResourceType.TOPIC, t.name)).map((t) => t.name));
  if (denied.size) return answer((topic) => (denied.has(topic) ? TOPIC_DENIED : NOT_ATTEMPTED));
  return next(request);
};

export const addOffsetsToTxnGuard: Guard<typeof ApiKey.AddOffsetsToTxn> = async (ctx, request, info, next) => {
  if (!mayWriteTxn(ctx, info, request.transactionalId)) return { throttleTimeMs: 0, errorCode: TXN_DENIED };
  if (!may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: GROUP_DENIED };
  return next(request);
};

export const endTxnGuard: Guard<typeof ApiKey.EndTxn> = async (ctx, request, info, next) =>
  mayWriteTxn(ctx, info, request.transactionalId) ? next(request) : { throttleTimeMs: 0, errorCode: TXN_DENIED };

export const txnOffsetCommitGuard: Guard<typeof ApiKey.TxnOffsetCommit> = async (ctx, request, info, next) => {
  const every = (errorCode: number) => ({ throttleTimeMs: 0, topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) });
  if (!mayWriteTxn(ctx, info, request.transactionalId)) return every(TXN_DENIED);
  if (!may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId)) return every(GROUP_DENIED);
  const allowed = request.topics.filter((t) => may(ctx, info, Operation.READ, ResourceType.TOPIC, t.name));
  const answered = allowed.length ? await next({ ...request, topics: allowed }) : { throttleTimeMs: 0, topics: [] };
  if (answered === NO_RESPONSE) return answered;
  const byName = new Map(answered.topics.map((t) => [t.name, t]));
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => byName.get(t.name) ?? { name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: TOPIC_DENIED })) }),
  };
};

export const describeTransactionsGuard: Guard<typeof ApiKey.DescribeTransactions> = async (ctx, request, info, next) => {
  const allowed = request.transactionalIds.filter((id) => may(ctx, info, Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id));
  const answered = allowed.length ? await next({ transactionalIds: allowed }) : { throttleTimeMs: 0, transactionStates: [] };
  if (answered === NO_RESPONSE) return answered;
  const byId = new Map(answered.transactionStates.map((s) => [s.transactionalId, s]));
  return {
    throttleTimeMs: 0,
    transactionStates: request.transactionalIds.map(
      (transactionalId) =>
        byId.get(transactionalId) ?? { errorCode: TXN_DENIED, transactionalId, transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] },
    ),
  };
};

export const listTransactionsGuard: Guard<typeof ApiKey.ListTransactions> = async (ctx, request, info, next) => {
  const answered = await next(request);
  if (answered === NO_RESPONSE) return answered;
  return { ...answered, transactionStates: answered.transactionStates.filter((s) => may(ctx, info, Operation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, s.transactionalId)) };
};
