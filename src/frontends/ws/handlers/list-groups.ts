// LIST_GROUPS -> GROUP_LIST: every group the coordinator knows, with its protocol type and state.

import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleListGroups: WsHandler<typeof FrameType.LIST_GROUPS> = ({ coordinator }, frame) => ({
  type: FrameType.GROUP_LIST,
  requestId: frame.requestId,
  groups: coordinator.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.state })),
});
