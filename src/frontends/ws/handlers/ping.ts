// PING -> PONG with the server's clock (clients use it for keep-alive and to estimate clock offset).

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handlePing: WsHandler<typeof FrameType.PING> = (_ctx, frame) => ({
  type: FrameType.PONG,
  requestId: frame.requestId,
  serverTimeMs: BigInt(Date.now()),
});
