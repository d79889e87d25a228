// FETCH -> FETCH_RESULT: a one-shot read of several partitions (long polling with minBytes/maxWaitMs).
// Responses are capped so one request cannot make the server hold more than MAX_FETCH_RESPONSE_BYTES.

import { FrameType } from "../../../protocol/ws/frames.js";
import { errorCodeOf } from "../error-codes.js";
import type { WsHandler } from "./context.js";

export const MAX_FETCH_RESPONSE_BYTES = 4 * 1024 * 1024;

export const handleFetch: WsHandler<typeof FrameType.FETCH> = async ({ broker }, frame) => {
  const maxBytes = Math.min(frame.maxBytes || MAX_FETCH_RESPONSE_BYTES, MAX_FETCH_RESPONSE_BYTES);
  const perItem = Math.max(1, Math.floor(maxBytes / Math.max(1, frame.items.length)));
  const results = await broker.fetchMany(
    frame.items.map((i) => ({ ...i, maxBytes: Math.min(i.maxBytes || perItem, perItem) })),
    { minBytes: frame.minBytes, maxWaitMs: Math.min(frame.maxWaitMs, 60_000), maxBytes: perItem },
  );
  return {
    type: FrameType.FETCH_RESULT,
    requestId: frame.requestId,
    items: results.map((r) =>
      r.ok
        ? { errorCode: 0, highWatermark: r.ok.highWatermark, logStartOffset: r.ok.logStartOffset, records: r.ok.records }
        : { errorCode: errorCodeOf(r.error), highWatermark: -1n, logStartOffset: -1n, records: new Uint8Array(0) },
    ),
  };
};
