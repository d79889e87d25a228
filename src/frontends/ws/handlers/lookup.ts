// A request naming a subscription or group membership of this connection that does not exist gets
// UNKNOWN_SUBSCRIPTION (a client bug or a race with its own close, never another client's business).

import type { GroupStream } from "../group-stream.js";
import type { Subscription } from "../subscription.js";
import type { WsRequestContext } from "./context.js";
import { SessionError } from "./session-error.js";

export function subscriptionOf(ctx: WsRequestContext, id: number): Subscription {
  const sub = ctx.subscriptions.get(id);
  if (!sub) throw new SessionError("UNKNOWN_SUBSCRIPTION", `no subscription ${id}`);
  return sub;
}

export function groupStreamOf(ctx: WsRequestContext, id: number): GroupStream {
  const stream = ctx.groupStreams.get(id);
  if (!stream) throw new SessionError("UNKNOWN_SUBSCRIPTION", `no group membership ${id}`);
  return stream;
}
