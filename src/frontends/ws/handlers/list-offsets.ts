// LIST_OFFSETS -> OFFSETS_RESULT: per item a timestamp or Kafka's sentinel (-1 latest, -2 earliest, -3 max
// timestamp), answered with the offset found or an error code for that item.

import { InvalidArgumentError } from "../../../errors/index.js";
import { offsetSpecFromTimestamp } from "../../../protocol/offset-spec.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import { errorCodeOf } from "../error-codes.js";
import type { WsHandler } from "./context.js";

export const handleListOffsets: WsHandler<typeof FrameType.LIST_OFFSETS> = async ({ broker }, frame) => {
  const items = await Promise.all(
    frame.items.map(async (i) => {
      try {
        const spec = offsetSpecFromTimestamp(i.timestamp);
        if (!spec) throw new InvalidArgumentError(`timestamp ${i.timestamp} is neither a time nor -1, -2 or -3`);
        const r = await broker.listOffsets(i.topic, i.partition, spec);
        return { errorCode: 0, offset: r.offset, timestamp: r.timestamp };
      } catch (error) {
        return { errorCode: errorCodeOf(error), offset: -1n, timestamp: -1n };
      }
    }),
  );
  return { type: FrameType.OFFSETS_RESULT, requestId: frame.requestId, items };
};
