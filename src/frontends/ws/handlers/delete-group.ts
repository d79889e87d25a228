// DELETE_GROUP -> OK: removes an empty group and its committed offsets. NON_EMPTY_GROUP while it has
// members, GROUP_ID_NOT_FOUND for a group nobody knows.

import { KafkaProtocolError } from "../../../errors/index.js";
import { Err } from "../../../groups/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import type { WsHandler } from "./context.js";

export const handleDeleteGroup: WsHandler<typeof FrameType.DELETE_GROUP> = async ({ coordinator }, frame) => {
  const [result] = await coordinator.deleteGroups([frame.groupId]);
  if (result?.errorCode === Err.NON_EMPTY_GROUP) throw new KafkaProtocolError("NON_EMPTY_GROUP", `group ${frame.groupId} has active members`);
  if (result?.errorCode === Err.GROUP_ID_NOT_FOUND) throw new KafkaProtocolError("GROUP_ID_NOT_FOUND", `unknown group ${frame.groupId}`);
  return { type: FrameType.OK, requestId: frame.requestId };
};
