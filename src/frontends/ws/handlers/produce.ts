// PRODUCE -> PRODUCE_RESULT, one item per (topic, partition, batch), Kafka errors as data per item.
// acks=0 gets no response at all, but still runs to completion so errors are logged and counted.

import { FrameType } from "../../../protocol/ws/frames.js";
import { errorCodeOf } from "../error-codes.js";
import type { WsHandler } from "./context.js";

export const handleProduce: WsHandler<typeof FrameType.PRODUCE> = async ({ broker }, frame) => {
  // produceMany copies the batches synchronously (before its first await): the frame's views into the
  // uWS message buffer are not used after this call returns.
  const results = await broker.produceMany(frame.items, { acks: frame.acks, timeoutMs: frame.timeoutMs || 30_000 });
  if (frame.acks === 0) return undefined;
  return {
    type: FrameType.PRODUCE_RESULT,
    requestId: frame.requestId,
    items: results.map((r) =>
      r.ok
        ? { errorCode: 0, errorMessage: "", baseOffset: r.ok.baseOffset, logAppendTime: BigInt(r.ok.logAppendTime), logStartOffset: r.ok.logStartOffset }
        : { errorCode: errorCodeOf(r.error), errorMessage: r.error.message, baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n },
    ),
  };
};
