// What a WebSocket request handler sees: the broker core, the group coordinator and the parts of its
// connection (session) that requests act on: subscriptions, group memberships, limits and the pump. The
// session implements this; handlers never see the socket, so flow control stays in one place.

import type { Broker } from "../../../broker/broker.js";
import type { ClientFrame, ServerFrame } from "../../../protocol/ws/frames.js";
import type { FrameType } from "../../../protocol/ws/frames.js";
import type { GroupStream, GroupStreamHost } from "../group-stream.js";
import type { SessionLimits } from "../session-limits.js";
import type { Subscription } from "../subscription.js";
import type { Security } from "../../../security/index.js";
import type { WsAuthState } from "../auth-state.js";

/** Every client frame type that is a request (CREDIT is flow control, handled by the session itself). */
export type RequestType = Exclude<ClientFrame["type"], typeof FrameType.CREDIT>;

export type RequestFrame<T extends RequestType> = Extract<ClientFrame, { type: T }>;

export interface WsRequestContext extends GroupStreamHost {
  readonly limits: SessionLimits;
  readonly subscriptions: Map<number, Subscription>;
  readonly groupStreams: Map<number, GroupStream>;
  readonly closed: boolean;
  /** Authentication and authorization (src/security); undefined = everything allowed. */
  readonly security?: Security;
  /** The connection's principal and AUTH state. */
  readonly auth: WsAuthState;
}

/** A handler answers with its response frame, or undefined when the request has none (PRODUCE acks=0). */
export type WsHandler<T extends RequestType> = (ctx: WsRequestContext, frame: RequestFrame<T>) => Promise<ServerFrame | undefined> | ServerFrame | undefined;
