// SUBSCRIBE -> SUBSCRIBED: opens a streaming read of a topic's partitions (all, or the listed ones, each
// with its own start). Per partition the answer carries where reading starts and the log's bounds, or an
// error code for that partition alone. CHUNKs follow only after SUBSCRIBED is sent.

import { UnknownTopicOrPartitionError } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import { startFrom } from "../../../protocol/ws/start-position.js";
import { errorCodeOf } from "../error-codes.js";
import { Subscription } from "../subscription.js";
import type { WsHandler, WsRequestContext } from "./context.js";
import { SessionError } from "./session-error.js";

/** Refuses a new subscription (or group membership) with id `id` past the connection's limits. */
export function checkNewSubscription(ctx: WsRequestContext, id: number): void {
  if (ctx.subscriptions.has(id)) throw new SessionError("SUBSCRIPTION_EXISTS", `subscription ${id} exists`);
  if (ctx.subscriptions.size >= ctx.limits.maxSubscriptions) {
    throw new SessionError("TOO_MANY_SUBSCRIPTIONS", `at most ${ctx.limits.maxSubscriptions} subscriptions per connection`);
  }
}

export const handleSubscribe: WsHandler<typeof FrameType.SUBSCRIBE> = async (ctx, frame) => {
  const { broker, limits } = ctx;
  checkNewSubscription(ctx, frame.requestId);
  const topic = broker.topic(frame.topic);
  if (!topic) throw new UnknownTopicOrPartitionError(`unknown topic ${frame.topic}`);
  const wanted = frame.partitions.length
    ? frame.partitions
    : Array.from({ length: topic.partitions }, (_, partition) => ({ partition, start: frame.start }));
  const maxChunk = Math.min(frame.maxChunkBytes || limits.maxChunkBytes, limits.maxChunkBytes);
  const sub = new Subscription(frame.requestId, frame.topic, frame.credit, maxChunk, frame.isolation ?? 0);
  const partitions = [];
  for (const { partition, start } of wanted) {
    try {
      const offset = await broker.resolveStart(frame.topic, partition, startFrom(start), sub.isolation === 1 ? "read_committed" : undefined);
      const [earliest, latest] = await Promise.all([
        broker.listOffsets(frame.topic, partition, "earliest"),
        broker.listOffsets(frame.topic, partition, "latest"),
      ]);
      sub.addCursor(partition, offset);
      partitions.push({ partition, errorCode: 0, startOffset: offset, logStartOffset: earliest.offset, logEndOffset: latest.offset });
    } catch (error) {
      partitions.push({ partition, errorCode: errorCodeOf(error), startOffset: -1n, logStartOffset: -1n, logEndOffset: -1n });
    }
  }
  if (ctx.closed) return { type: FrameType.SUBSCRIBED, requestId: frame.requestId, partitions };
  ctx.addSubscription(sub);
  // SUBSCRIBED goes out before any CHUNK: the pump runs after this response is sent.
  setImmediate(() => ctx.wake());
  return { type: FrameType.SUBSCRIBED, requestId: frame.requestId, partitions };
};
