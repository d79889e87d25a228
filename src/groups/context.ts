// What every group handler shares: configuration, time, the groups by id, committed offsets, and the
// callbacks into the rest of the broker. Handlers are plain functions over this context (one file per
// request, as kfake does), so the coordinator class stays a thin façade.

import { KafkaErrors, type KafkaErrorName } from "../errors/index.js";
import type { Logger } from "../log.js";
import type { Clock, Timers } from "./clock.js";
import type { ClassicGroup } from "./group.js";
import type { ManagedGroup } from "./managed-group.js";
import type { ConsumerGroup } from "./consumer/group.js";
import type { OffsetStore } from "./offset-store.js";
import type { ResolvedGroupConfig } from "./types.js";
import type { CoordinatorHooks } from "./hooks.js";
import type { GroupStore } from "./persist/store.js";

export type { CoordinatorHooks };
export type AnyGroup = ClassicGroup | ManagedGroup | ConsumerGroup;

export interface GroupContext {
  readonly config: ResolvedGroupConfig;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly groups: Map<string, AnyGroup>;
  readonly offsets: OffsetStore;
  /** Group metadata records (membership, epochs, assignments) in the same log as the offsets. */
  readonly persist: GroupStore;
  readonly logger: Logger;
  readonly hooks: CoordinatorHooks;
}

/** Kafka error codes by name, e.g. `Err.UNKNOWN_MEMBER_ID` (25). */
export const Err = Object.fromEntries(Object.entries(KafkaErrors).map(([name, info]) => [name, info.code])) as {
  readonly [K in KafkaErrorName]: number;
};

/** Kafka's member ids: `<client id>-<uuid>` (Web Crypto's UUID: no Node import in this sans-IO code). */
export function newMemberId(clientId: string): string {
  return `${clientId}-${globalThis.crypto.randomUUID()}`;
}

export function sessionTimeoutValid(ctx: GroupContext, ms: number): boolean {
  return Number.isInteger(ms) && ms >= ctx.config.minSessionTimeoutMs && ms <= ctx.config.maxSessionTimeoutMs;
}
