// Authorization guards for the consumer-group APIs (see guards-data.ts for how guards work):
//
//   FindCoordinator          DESCRIBE group (key type 0) / DESCRIBE transactional id (1)   30 / 53
//   JoinGroup, SyncGroup,
//   Heartbeat, LeaveGroup    READ group                                                    30
//   OffsetCommit             READ group (30 for every partition), then READ topic           29 per partition
//   OffsetFetch              DESCRIBE group (30); named topics need DESCRIBE (29), all-topics answers list
//                            only describable ones
//   DescribeGroups           DESCRIBE group                                                30 per group
//   ListGroups               DESCRIBE on the cluster lists all; otherwise only groups the principal may
//                            DESCRIBE

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { Operation, ResourceType } from "../../../security/index.js";
import { may, mayCluster } from "./authorize.js";
import { NO_RESPONSE } from "./context.js";
import { mergeAllowed, type Guard } from "./guards-data.js";

const GROUP_DENIED = KafkaErrors.GROUP_AUTHORIZATION_FAILED.code;
const TOPIC_DENIED = KafkaErrors.TOPIC_AUTHORIZATION_FAILED.code;
const EMPTY = new Uint8Array(0);

function must<T>(r: T | typeof NO_RESPONSE): T {
  if (r === NO_RESPONSE) throw new Error("handler gave no response where one is required");
  return r;
}

export const findCoordinatorGuard: Guard<typeof ApiKey.FindCoordinator> = async (ctx, request, info, next) => {
  const txn = request.keyType === 1;
  const ok = may(ctx, info, Operation.DESCRIBE, txn ? ResourceType.TRANSACTIONAL_ID : ResourceType.GROUP, request.key);
  if (ok) return next(request);
  const errorCode = txn ? KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code : GROUP_DENIED;
  return { throttleTimeMs: 0, errorCode, errorMessage: "Authorization failed.", nodeId: -1, host: "", port: -1 };
};

export const joinGroupGuard: Guard<typeof ApiKey.JoinGroup> = async (ctx, request, info, next) =>
  may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId)
    ? next(request)
    : { throttleTimeMs: 0, errorCode: GROUP_DENIED, generationId: -1, protocolName: "", leader: "", memberId: request.memberId, members: [] };

export const syncGroupGuard: Guard<typeof ApiKey.SyncGroup> = async (ctx, request, info, next) =>
  may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId) ? next(request) : { throttleTimeMs: 0, errorCode: GROUP_DENIED, assignment: EMPTY };

export const heartbeatGuard: Guard<typeof ApiKey.Heartbeat> = async (ctx, request, info, next) =>
  may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId) ? next(request) : { throttleTimeMs: 0, errorCode: GROUP_DENIED };

export const leaveGroupGuard: Guard<typeof ApiKey.LeaveGroup> = async (ctx, request, info, next) =>
  may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId) ? next(request) : { throttleTimeMs: 0, errorCode: GROUP_DENIED, members: [] };

export const offsetCommitGuard: Guard<typeof ApiKey.OffsetCommit> = async (ctx, request, info, next) => {
  const groupOk = may(ctx, info, Operation.READ, ResourceType.GROUP, request.groupId);
  const topics = await mergeAllowed(
    request.topics,
    (t) => groupOk && may(ctx, info, Operation.READ, ResourceType.TOPIC, t.name),
    async (topics) => must(await next({ ...request, topics })).topics,
    (t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: groupOk ? TOPIC_DENIED : GROUP_DENIED })) }),
  );
  return { throttleTimeMs: 0, topics };
};

export const offsetFetchGuard: Guard<typeof ApiKey.OffsetFetch> = async (ctx, request, info, next) => {
  const describable = (name: string) => may(ctx, info, Operation.DESCRIBE, ResourceType.TOPIC, name);
  const deniedPartition = (errorCode: number) => (partitionIndex: number) => ({ partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode });
  if (!may(ctx, info, Operation.DESCRIBE, ResourceType.GROUP, request.groupId)) {
    return { throttleTimeMs: 0, errorCode: GROUP_DENIED, topics: (request.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map(deniedPartition(GROUP_DENIED)) })) };
  }
  if (request.topics === null) {
    const r = must(await next(request));
    return { ...r, topics: r.topics.filter((t) => describable(t.name)) };
  }
  let errorCode = 0;
  const topics = await mergeAllowed(
    request.topics,
    (t) => describable(t.name),
    async (topics) => {
      const r = must(await next({ ...request, topics }));
      errorCode = r.errorCode ?? 0;
      return r.topics;
    },
    (t) => ({ name: t.name, partitions: t.partitionIndexes.map(deniedPartition(TOPIC_DENIED)) }),
  );
  return { throttleTimeMs: 0, errorCode, topics };
};

export const describeGroupsGuard: Guard<typeof ApiKey.DescribeGroups> = async (ctx, request, info, next) => {
  const groups = await mergeAllowed(
    request.groups,
    (g) => may(ctx, info, Operation.DESCRIBE, ResourceType.GROUP, g),
    async (groups) => must(await next({ ...request, groups })).groups,
    (groupId) => ({ errorCode: GROUP_DENIED, groupId, groupState: "", protocolType: "", protocolData: "", members: [] }),
  );
  return { throttleTimeMs: 0, groups };
};

export const listGroupsGuard: Guard<typeof ApiKey.ListGroups> = async (ctx, request, info, next) => {
  const r = must(await next(request));
  if (mayCluster(ctx, info, Operation.DESCRIBE)) return r;
  return { ...r, groups: r.groups.filter((g) => may(ctx, info, Operation.DESCRIBE, ResourceType.GROUP, g.groupId)) };
};
