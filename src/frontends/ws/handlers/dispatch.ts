// The WebSocket front end's dispatch table: one handler per request frame type, as the Kafka front end has
// one per API (../../kafka/handlers/dispatch.ts). The mapped type makes a request type without a handler a
// compile error. CREDIT is not here: it is flow control, handled by the session without a response.

import { FrameType, type ServerFrame } from "../../../protocol/ws/frames.js";
import type { RequestFrame, RequestType, WsHandler, WsRequestContext } from "./context.js";
import { handleAlterTopicConfigs } from "./alter-topic-configs.js";
import { handleCreatePartitions } from "./create-partitions.js";
import { handleDeleteRecords } from "./delete-records.js";
import { handleCommit } from "./commit.js";
import { handleCreateTopic } from "./create-topic.js";
import { handleDeleteGroup } from "./delete-group.js";
import { handleDeleteTopic } from "./delete-topic.js";
import { handleDescribeGroup } from "./describe-group.js";
import { handleDescribeTopic } from "./describe-topic.js";
import { handleFetch } from "./fetch.js";
import { handleFetchCommitted } from "./fetch-committed.js";
import { handleInitProducerId } from "./init-producer-id.js";
import { handleJoinGroup } from "./join-group.js";
import { handleLeaveGroup } from "./leave-group.js";
import { handleListGroups } from "./list-groups.js";
import { handleListOffsets } from "./list-offsets.js";
import { handleMetadata } from "./metadata.js";
import { handlePing } from "./ping.js";
import { handleProduce } from "./produce.js";
import { handleResetOffsets } from "./reset-offsets.js";
import { handleRevokeDone } from "./revoke-done.js";
import { handleSeek } from "./seek.js";
import { handleSubscribe } from "./subscribe.js";
import { handleUnsubscribe } from "./unsubscribe.js";
import { handleAuth } from "./auth.js";
import { handleAlterUsers, handleDescribeUsers } from "./users.js";
import { handleCreateAcls, handleDeleteAcls, handleDescribeAcls } from "./acls.js";
import { wsGuardFor } from "./authorize.js";
import { handleTxnAdd, handleTxnEnd, handleTxnInit, handleTxnOffsets } from "./txn.js";

export const handlers: { readonly [T in RequestType]: WsHandler<T> } = {
  [FrameType.PING]: handlePing,
  [FrameType.METADATA]: handleMetadata,
  [FrameType.CREATE_TOPIC]: handleCreateTopic,
  [FrameType.DELETE_TOPIC]: handleDeleteTopic,
  [FrameType.DESCRIBE_TOPIC]: handleDescribeTopic,
  [FrameType.ALTER_TOPIC_CONFIGS]: handleAlterTopicConfigs,
  [FrameType.CREATE_PARTITIONS]: handleCreatePartitions,
  [FrameType.DELETE_RECORDS]: handleDeleteRecords,
  [FrameType.PRODUCE]: handleProduce,
  [FrameType.FETCH]: handleFetch,
  [FrameType.LIST_OFFSETS]: handleListOffsets,
  [FrameType.INIT_PRODUCER_ID]: handleInitProducerId,
  [FrameType.SUBSCRIBE]: handleSubscribe,
  [FrameType.UNSUBSCRIBE]: handleUnsubscribe,
  [FrameType.SEEK]: handleSeek,
  [FrameType.JOIN_GROUP]: handleJoinGroup,
  [FrameType.REVOKE_DONE]: handleRevokeDone,
  [FrameType.COMMIT]: handleCommit,
  [FrameType.FETCH_COMMITTED]: handleFetchCommitted,
  [FrameType.LIST_GROUPS]: handleListGroups,
  [FrameType.DESCRIBE_GROUP]: handleDescribeGroup,
  [FrameType.RESET_OFFSETS]: handleResetOffsets,
  [FrameType.DELETE_GROUP]: handleDeleteGroup,
  [FrameType.LEAVE_GROUP]: handleLeaveGroup,
  [FrameType.AUTH]: handleAuth,
  [FrameType.DESCRIBE_USERS]: handleDescribeUsers,
  [FrameType.ALTER_USERS]: handleAlterUsers,
  [FrameType.DESCRIBE_ACLS]: handleDescribeAcls,
  [FrameType.CREATE_ACLS]: handleCreateAcls,
  [FrameType.DELETE_ACLS]: handleDeleteAcls,
  // Transactions (issue 16)
  [FrameType.TXN_INIT]: handleTxnInit,
  [FrameType.TXN_ADD]: handleTxnAdd,
  [FrameType.TXN_OFFSETS]: handleTxnOffsets,
  [FrameType.TXN_END]: handleTxnEnd,
};

/** Runs a request's handler; a throw becomes the request's ERROR frame (the session sends it). */
export function dispatch(ctx: WsRequestContext, frame: RequestFrame<RequestType>): Promise<ServerFrame | undefined> {
  const handler = handlers[frame.type] as WsHandler<RequestType>;
  try {
    // Authorization (authorize.ts) wraps the handler when an authorizer is configured.
    const guard = wsGuardFor(ctx, frame.type);
    if (guard) return guard(ctx, frame, async (f) => handler(ctx, f));
    return Promise.resolve(handler(ctx, frame));
  } catch (error) {
    return Promise.reject(error);
  }
}
