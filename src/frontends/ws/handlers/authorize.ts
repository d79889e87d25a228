// Authorization of WebSocket requests, the same rules as the Kafka front end (../../kafka/handlers/guards-*.ts)
// over the same ACLs and principal. A guard runs around the frame's handler when an authorizer is on:
// a frame about one resource fails whole with the Kafka code (ERROR frame, errorCode 29/30/31); a frame with
// many items runs the handler on the authorized ones and answers the rest with the code per item.
//
//   METADATA          DESCRIBE topic (unnamed: only describable topics listed; named: 29 per topic)
//   CREATE_TOPIC      CREATE cluster or topic        DELETE_TOPIC     DELETE topic
//   DESCRIBE_TOPIC    DESCRIBE topic (configs only with DESCRIBE_CONFIGS)
//   ALTER_TOPIC_CONFIGS  ALTER_CONFIGS topic
//   CREATE_PARTITIONS ALTER topic                    DELETE_RECORDS   DELETE topic per item (as Kafka)
//   PRODUCE           WRITE topic per item           FETCH            READ topic per item
//                     (a named transactional id: WRITE on it, else every item 53, as Kafka's Produce)
//   LIST_OFFSETS      DESCRIBE topic per item        SUBSCRIBE        READ topic
//   INIT_PRODUCER_ID  IDEMPOTENT_WRITE cluster or WRITE on any topic
//   JOIN_GROUP, RESET_OFFSETS   READ group + READ topic
//   COMMIT            READ group, READ topic per item
//   FETCH_COMMITTED   DESCRIBE group; items of topics not describable are dropped (unnamed) or 29 (named)
//   LIST_GROUPS       DESCRIBE cluster lists all, else the groups the principal may DESCRIBE
//   DESCRIBE_GROUP    DESCRIBE group; offsets of topics not describable are left out
//   DELETE_GROUP      DELETE group
//   DESCRIBE_USERS, DESCRIBE_ACLS            DESCRIBE cluster (31), as Describe{UserScramCredentials,Acls}
//   ALTER_USERS, CREATE_ACLS, DELETE_ACLS    ALTER cluster (31), as AlterUserScramCredentials, Create/DeleteAcls
//   TXN_INIT, TXN_END          WRITE transactional id (53), as InitProducerId with an id and EndTxn
//   TXN_ADD                    WRITE transactional id (53), WRITE each topic (29), READ the group if named (30)
//   TXN_OFFSETS                WRITE transactional id (53), READ group (30), READ each topic (29)
//   PING, AUTH, UNSUBSCRIBE, SEEK, REVOKE_DONE, LEAVE_GROUP act on the connection's own state: no check.

import { KafkaErrors, KafkaProtocolError } from "../../../errors/index.js";
import { FrameType, type ServerFrame } from "../../../protocol/ws/frames.js";
import { CLUSTER_NAME, Operation, ResourceType, type Operation as Op, type ResourceType as RT } from "../../../security/index.js";
import type { RequestFrame, RequestType, WsRequestContext } from "./context.js";

type WsGuard<T extends RequestType> = (ctx: WsRequestContext, frame: RequestFrame<T>, next: (frame: RequestFrame<T>) => Promise<ServerFrame | undefined>) => Promise<ServerFrame | undefined>;

const TOPIC = "TOPIC_AUTHORIZATION_FAILED" as const;
const may = (ctx: WsRequestContext, op: Op, type: RT, name: string) => ctx.security === undefined || ctx.security.allowed(ctx.auth.principal, ctx.auth.host, op, type, name);
const mayCluster = (ctx: WsRequestContext, op: Op) => may(ctx, op, ResourceType.CLUSTER, CLUSTER_NAME);
const topicCode = 29;

type DeniedCode = "TOPIC_AUTHORIZATION_FAILED" | "GROUP_AUTHORIZATION_FAILED" | "CLUSTER_AUTHORIZATION_FAILED" | "TRANSACTIONAL_ID_AUTHORIZATION_FAILED";

function require(ok: boolean, code: DeniedCode, what: string): void {
  if (!ok) throw new KafkaProtocolError(code, `not authorized: ${what}`);
}

/** Runs `next` on the allowed items only and merges per-item results back in request order. */
async function perItem<I, R>(items: readonly I[], allowed: (i: I) => boolean, run: (subset: I[]) => Promise<R[] | undefined>, denied: (i: I) => R): Promise<R[] | undefined> {
  const flags = items.map(allowed);
  const subset = items.filter((_, i) => flags[i]);
  const results = subset.length ? await run(subset) : [];
  if (results === undefined) return undefined;
  let n = 0;
  return items.map((item, i) => (flags[i] ? results[n++]! : denied(item)));
}

/** WRITE on a transactional id, then the frame's own topics and group (the Kafka transaction APIs' rules). */
function txnRights<T extends RequestType>(resources: (frame: RequestFrame<T>) => { topics: string[]; group: string }, topicOp: Op = Operation.READ): WsGuard<T> {
  return (ctx, frame, next) => {
    const id = (frame as { transactionalId: string }).transactionalId;
    require(may(ctx, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, id), "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", `WRITE transactional id ${id}`);
    const { topics, group } = resources(frame);
    if (group !== "") require(may(ctx, Operation.READ, ResourceType.GROUP, group), "GROUP_AUTHORIZATION_FAILED", `READ group ${group}`);
    for (const topic of new Set(topics)) {
      require(may(ctx, topicOp, ResourceType.TOPIC, topic), TOPIC, `${topicOp === Operation.WRITE ? "WRITE" : "READ"} topic ${topic}`);
    }
    return next(frame);
  };
}

/** The cluster-wide right a user or ACL admin frame needs (the Kafka APIs' rule). */
function clusterRight<T extends RequestType>(op: Op, what: string): WsGuard<T> {
  return (ctx, frame, next) => {
    require(mayCluster(ctx, op), "CLUSTER_AUTHORIZATION_FAILED", `${op === Operation.ALTER ? "ALTER" : "DESCRIBE"} on the cluster is required to ${what}`);
    return next(frame);
  };
}

const guards: { [T in RequestType]?: WsGuard<T> } = {
  [FrameType.TXN_INIT]: txnRights(() => ({ topics: [], group: "" })),
  [FrameType.TXN_END]: txnRights(() => ({ topics: [], group: "" })),
  [FrameType.TXN_ADD]: txnRights((f) => ({ topics: f.partitions.map((p) => p.topic), group: f.group }), Operation.WRITE),
  [FrameType.TXN_OFFSETS]: txnRights((f) => ({ topics: f.offsets.map((o) => o.topic), group: f.group })),
  [FrameType.DESCRIBE_USERS]: clusterRight(Operation.DESCRIBE, "describe users"),
  [FrameType.ALTER_USERS]: clusterRight(Operation.ALTER, "alter users"),
  [FrameType.DESCRIBE_ACLS]: clusterRight(Operation.DESCRIBE, "describe ACLs"),
  [FrameType.CREATE_ACLS]: clusterRight(Operation.ALTER, "create ACLs"),
  [FrameType.DELETE_ACLS]: clusterRight(Operation.ALTER, "delete ACLs"),
  [FrameType.METADATA]: async (ctx, frame, next) => {
    const describable = (t: string) => may(ctx, Operation.DESCRIBE, ResourceType.TOPIC, t);
    if (frame.topics.length === 0) {
      const r = await next(frame);
      return r?.type === FrameType.METADATA_RESULT ? { ...r, topics: r.topics.filter((t) => describable(t.name)) } : r;
    }
    let brokers: { id: number; url: string }[] | undefined; // cluster mode: kept from the allowed part's answer
    const topics = await perItem(frame.topics, describable, async (topics) => {
      const r = await next({ ...frame, topics });
      if (r?.type === FrameType.METADATA_RESULT) brokers = r.brokers;
      return r?.type === FrameType.METADATA_RESULT ? r.topics : [];
    }, (name) => ({ name, errorCode: topicCode, partitions: [] }));
    return { type: FrameType.METADATA_RESULT, requestId: frame.requestId, topics: topics ?? [], ...(brokers ? { brokers } : {}) };
  },
  [FrameType.CREATE_TOPIC]: (ctx, frame, next) => {
    require(mayCluster(ctx, Operation.CREATE) || may(ctx, Operation.CREATE, ResourceType.TOPIC, frame.name), TOPIC, `CREATE topic ${frame.name}`);
    return next(frame);
  },
  [FrameType.DELETE_TOPIC]: (ctx, frame, next) => {
    require(may(ctx, Operation.DELETE, ResourceType.TOPIC, frame.name), TOPIC, `DELETE topic ${frame.name}`);
    return next(frame);
  },
  [FrameType.ALTER_TOPIC_CONFIGS]: (ctx, frame, next) => {
    require(may(ctx, Operation.ALTER_CONFIGS, ResourceType.TOPIC, frame.name), TOPIC, `ALTER_CONFIGS topic ${frame.name}`);
    return next(frame);
  },
  [FrameType.CREATE_PARTITIONS]: (ctx, frame, next) => {
    require(may(ctx, Operation.ALTER, ResourceType.TOPIC, frame.name), TOPIC, `ALTER topic ${frame.name}`);
    return next(frame);
  },
  [FrameType.DELETE_RECORDS]: async (ctx, frame, next) => {
    const items = await perItem(frame.items, (i) => may(ctx, Operation.DELETE, ResourceType.TOPIC, i.topic), async (items) => {
      const r = await next({ ...frame, items });
      return r?.type === FrameType.RECORDS_DELETED ? r.items : [];
    }, () => ({ errorCode: topicCode, lowWatermark: -1n }));
    return { type: FrameType.RECORDS_DELETED, requestId: frame.requestId, items: items ?? [] };
  },
  [FrameType.DESCRIBE_TOPIC]: async (ctx, frame, next) => {
    require(may(ctx, Operation.DESCRIBE, ResourceType.TOPIC, frame.name), TOPIC, `DESCRIBE topic ${frame.name}`);
    const r = await next(frame);
    if (r?.type === FrameType.TOPIC_DESCRIPTION && !may(ctx, Operation.DESCRIBE_CONFIGS, ResourceType.TOPIC, frame.name)) return { ...r, configs: [] };
    return r;
  },
  [FrameType.PRODUCE]: async (ctx, frame, next) => {
    const id = frame.transactionalId;
    if (id !== undefined && !may(ctx, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, id)) {
      const items = frame.items.map(() => ({ errorCode: KafkaErrors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code, errorMessage: `not authorized: WRITE transactional id ${id}`, baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n }));
      return frame.acks === 0 ? undefined : { type: FrameType.PRODUCE_RESULT, requestId: frame.requestId, items };
    }
    const items = await perItem(frame.items, (i) => may(ctx, Operation.WRITE, ResourceType.TOPIC, i.topic), async (items) => {
      const r = await next({ ...frame, items });
      return r?.type === FrameType.PRODUCE_RESULT ? r.items : undefined;
    }, () => ({ errorCode: topicCode, errorMessage: "not authorized: WRITE", baseOffset: -1n, logAppendTime: -1n, logStartOffset: -1n }));
    return frame.acks === 0 || !items ? undefined : { type: FrameType.PRODUCE_RESULT, requestId: frame.requestId, items };
  },
  [FrameType.FETCH]: async (ctx, frame, next) => {
    const items = await perItem(frame.items, (i) => may(ctx, Operation.READ, ResourceType.TOPIC, i.topic), async (items) => {
      const r = await next({ ...frame, items });
      return r?.type === FrameType.FETCH_RESULT ? r.items : [];
    }, () => ({ errorCode: topicCode, highWatermark: -1n, logStartOffset: -1n, records: new Uint8Array(0) }));
    return { type: FrameType.FETCH_RESULT, requestId: frame.requestId, items: items ?? [] };
  },
  [FrameType.LIST_OFFSETS]: async (ctx, frame, next) => {
    const items = await perItem(frame.items, (i) => may(ctx, Operation.DESCRIBE, ResourceType.TOPIC, i.topic), async (items) => {
      const r = await next({ ...frame, items });
      return r?.type === FrameType.OFFSETS_RESULT ? r.items : [];
    }, () => ({ errorCode: topicCode, offset: -1n, timestamp: -1n }));
    return { type: FrameType.OFFSETS_RESULT, requestId: frame.requestId, items: items ?? [] };
  },
  [FrameType.INIT_PRODUCER_ID]: (ctx, frame, next) => {
    const anyWrite = ctx.security === undefined || ctx.security.allowedAny(ctx.auth.principal, ctx.auth.host, Operation.WRITE, ResourceType.TOPIC);
    require(mayCluster(ctx, Operation.IDEMPOTENT_WRITE) || anyWrite, "CLUSTER_AUTHORIZATION_FAILED", "IDEMPOTENT_WRITE on the cluster");
    return next(frame);
  },
  [FrameType.SUBSCRIBE]: (ctx, frame, next) => {
    require(may(ctx, Operation.READ, ResourceType.TOPIC, frame.topic), TOPIC, `READ topic ${frame.topic}`);
    return next(frame);
  },
  [FrameType.JOIN_GROUP]: (ctx, frame, next) => {
    require(may(ctx, Operation.READ, ResourceType.GROUP, frame.groupId), "GROUP_AUTHORIZATION_FAILED", `READ group ${frame.groupId}`);
    require(may(ctx, Operation.READ, ResourceType.TOPIC, frame.topic), TOPIC, `READ topic ${frame.topic}`);
    return next(frame);
  },
  [FrameType.RESET_OFFSETS]: (ctx, frame, next) => {
    require(may(ctx, Operation.READ, ResourceType.GROUP, frame.groupId), "GROUP_AUTHORIZATION_FAILED", `READ group ${frame.groupId}`);
    require(may(ctx, Operation.READ, ResourceType.TOPIC, frame.topic), TOPIC, `READ topic ${frame.topic}`);
    return next(frame);
  },
  [FrameType.COMMIT]: async (ctx, frame, next) => {
    require(may(ctx, Operation.READ, ResourceType.GROUP, frame.groupId), "GROUP_AUTHORIZATION_FAILED", `READ group ${frame.groupId}`);
    // COMMIT_RESULT items are per partition but not necessarily in request order: merge by (topic, partition).
    const allowed = frame.offsets.filter((o) => may(ctx, Operation.READ, ResourceType.TOPIC, o.topic));
    const denied = frame.offsets.filter((o) => !allowed.includes(o)).map((o) => ({ topic: o.topic, partition: o.partition, errorCode: topicCode }));
    const r = allowed.length ? await next({ ...frame, offsets: allowed }) : undefined;
    const items = r?.type === FrameType.COMMIT_RESULT ? r.items : [];
    return { type: FrameType.COMMIT_RESULT, requestId: frame.requestId, items: [...items, ...denied] };
  },
  [FrameType.FETCH_COMMITTED]: async (ctx, frame, next) => {
    require(may(ctx, Operation.DESCRIBE, ResourceType.GROUP, frame.groupId), "GROUP_AUTHORIZATION_FAILED", `DESCRIBE group ${frame.groupId}`);
    const r = await next(frame);
    if (r?.type !== FrameType.COMMITTED) return r;
    const describable = (t: string) => may(ctx, Operation.DESCRIBE, ResourceType.TOPIC, t);
    const items = frame.topics.length
      ? r.items.map((i) => (describable(i.topic) ? i : { ...i, offset: -1n, metadata: "", errorCode: topicCode }))
      : r.items.filter((i) => describable(i.topic));
    return { ...r, items };
  },
  [FrameType.LIST_GROUPS]: async (ctx, frame, next) => {
    const r = await next(frame);
    if (r?.type !== FrameType.GROUP_LIST || mayCluster(ctx, Operation.DESCRIBE)) return r;
    return { ...r, groups: r.groups.filter((g) => may(ctx, Operation.DESCRIBE, ResourceType.GROUP, g.groupId)) };
  },
  [FrameType.DESCRIBE_GROUP]: async (ctx, frame, next) => {
    require(may(ctx, Operation.DESCRIBE, ResourceType.GROUP, frame.groupId), "GROUP_AUTHORIZATION_FAILED", `DESCRIBE group ${frame.groupId}`);
    const r = await next(frame);
    if (r?.type !== FrameType.GROUP_DESCRIPTION) return r;
    return { ...r, offsets: r.offsets.filter((o) => may(ctx, Operation.DESCRIBE, ResourceType.TOPIC, o.topic)) };
  },
  [FrameType.DELETE_GROUP]: (ctx, frame, next) => {
    require(may(ctx, Operation.DELETE, ResourceType.GROUP, frame.groupId), "GROUP_AUTHORIZATION_FAILED", `DELETE group ${frame.groupId}`);
    return next(frame);
  },
};

/** The guard for a frame type when authorization is on, else undefined (run the handler directly). */
export function wsGuardFor(ctx: WsRequestContext, type: RequestType): WsGuard<RequestType> | undefined {
  if (!ctx.security?.authorizer) return undefined;
  return guards[type] as WsGuard<RequestType> | undefined;
}

