// Consumer groups: the classic Kafka protocol, server-assigned (managed) members, committed offsets.
export { GroupCoordinator, type GroupCoordinatorOptions } from "./coordinator.js";
export { createBrokerCoordinator, type BrokerCoordinatorOptions } from "./for-broker.js";
export { systemClock, type Clock } from "./clock.js";
export { Err, type CoordinatorHooks } from "./context.js";
export { leaveErrorCodeV0 } from "./classic/leave.js";
export { InMemoryOffsetLog, OffsetStore, type OffsetLog, type OffsetLogRecord } from "./offset-store.js";
export { BrokerOffsetLog, OFFSETS_TOPIC, type BrokerOffsetLogOptions, type OffsetLogBroker } from "./broker-offset-log.js";
export { encodeOffsetKey, decodeOffsetKey, encodeOffsetValue, decodeOffsetValue, type OffsetKey } from "./offset-codec.js";
export { assignors, range, roundRobin, sticky, isAssignorName, type Assignor, type AssignorMember, type AssignorName, type Assignment } from "./assignors.js";
export type { ManagedCallbacks, FenceReason } from "./managed-group.js";
export type { ManagedJoinOptions, ManagedMemberHandle, ManagedCommit, ManagedCommitResult } from "./managed.js";
export { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from "./consumer-protocol.js";
export type { GroupOverview, GroupDescription, GroupMemberDescription, PartitionLag, ResetTarget, ResetResult } from "./admin.js";
export * from "./types.js";
export { SERVER_ASSIGNORS, type ConsumerGroupHeartbeatRequest, type ConsumerGroupHeartbeatResponse } from "./consumer/heartbeat.js";
export type { ConsumerGroupDescription, ConsumerGroupMemberDescription } from "./consumer/describe.js";
