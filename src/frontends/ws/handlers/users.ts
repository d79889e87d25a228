// DESCRIBE_USERS -> USERS and ALTER_USERS -> USERS: SCRAM credentials over the WebSocket, with the Kafka
// front end's rules and codes (security/admin-ops.ts: DescribeUserScramCredentials,
// AlterUserScramCredentials). Authorization (authorize.ts): DESCRIBE / ALTER on the cluster when an
// authorizer is on. The user store exists whatever the configuration, so users can be prepared before
// authentication is required (as with the Kafka APIs).

import { KafkaProtocolError } from "../../../errors/index.js";
import { FrameType } from "../../../protocol/ws/frames.js";
import { alterScramCredentials, describeScramCredentials, isScramMechanism, type Security } from "../../../security/index.js";
import type { WsHandler, WsRequestContext } from "./context.js";

function securityOf(ctx: WsRequestContext): Security {
  if (!ctx.security) throw new KafkaProtocolError("SECURITY_DISABLED", "security is not configured on the broker");
  return ctx.security;
}

const mechanism = (name: string) => (isScramMechanism(name) ? name : undefined);

export const handleDescribeUsers: WsHandler<typeof FrameType.DESCRIBE_USERS> = (ctx, frame) => {
  const users = describeScramCredentials(securityOf(ctx).users, frame.users).map((u) => ({ user: u.user, errorCode: u.errorCode, errorMessage: u.errorMessage ?? "", credentials: u.credentials }));
  return { type: FrameType.USERS, requestId: frame.requestId, users };
};

export const handleAlterUsers: WsHandler<typeof FrameType.ALTER_USERS> = async (ctx, frame) => {
  const security = securityOf(ctx);
  const results = alterScramCredentials(
    security.users,
    frame.deletions.map((d) => ({ name: d.name, mechanism: mechanism(d.mechanism) })),
    frame.upsertions.map((u) => ({ ...u, mechanism: mechanism(u.mechanism) })),
  );
  await security.replicated(); // cluster mode: answered once etcd has it
  return { type: FrameType.USERS, requestId: frame.requestId, users: results.map((r) => ({ user: r.user, errorCode: r.errorCode, errorMessage: r.errorMessage ?? "", credentials: [] })) };
};
