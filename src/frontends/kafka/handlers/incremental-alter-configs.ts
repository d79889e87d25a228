// IncrementalAlterConfigs (key 44), v0-1.
//
// Behavior:
// - Topic resources: each named config is changed on top of the topic's current overrides: SET (0) sets
//   it, DELETE (1) removes the override (back to the broker default), APPEND (2) / SUBTRACT (3) add or
//   remove list items (cleanup.policy and the two throttled replica lists are lists; on other configs:
//   INVALID_CONFIG). A config named
//   twice in one resource: INVALID_REQUEST. The merged overrides are validated and applied as AlterConfigs
//   does (alter-configs.ts), so a bad value changes nothing.
// - Broker resources: the replication throttle rates change on top of the resource's current ones.
// - The current values the operations apply to are those the cluster metadata holds at the write (a
//   compare-and-swap in etcd, re-applied when another writer got there first: two brokers APPENDing to the
//   same list at once both get their item in); REQUEST_TIMED_OUT (retriable), nothing changed, if it keeps
//   losing (src/cluster/dynamic-configs.ts).
// - validate_only, other broker configs, unknown topics: as AlterConfigs.

import { KafkaProtocolError, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { applyTopicConfigs } from "./alter-configs.js";
import type { Handler } from "./context.js";
import { NONE } from "./topic-configs.js";

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
/** The list configs and the value an APPEND or SUBTRACT starts from when the topic has no override. */
const LIST_CONFIGS = new Map([
  ["cleanup.policy", "delete"],
  ["leader.replication.throttled.replicas", ""],
  ["follower.replication.throttled.replicas", ""],
]);

export const handleIncrementalAlterConfigs: Handler<typeof ApiKey.IncrementalAlterConfigs> = async (ctx, request) => {
  const responses = [];
  for (const r of request.resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      checkOperations(r.configs);
      // Applied to the current values (the topic's overrides and throttled replica lists, or a broker's
      // throttle rates) as the cluster metadata holds them when written: a concurrent change of the same
      // list from another broker is not lost, this one is applied on top of it.
      await applyTopicConfigs(ctx, r.resourceType, r.resourceName, (current) => applyOperations(current, r.configs), request.validateOnly);
      responses.push({ ...base, errorCode: NONE, errorMessage: null });
    } catch (error) {
      responses.push({ ...base, errorCode: toKafkaCode(error), errorMessage: (error as Error).message });
    }
  }
  return { responses };
};

interface Operation {
  name: string;
  configOperation: number;
  value: string | null;
}

/** The request's own errors, before any value is read: a config named twice, an unknown or impossible operation. */
function checkOperations(configs: readonly Operation[]): void {
  const named = new Set<string>();
  for (const c of configs) {
    if (named.has(c.name)) throw new KafkaProtocolError("INVALID_REQUEST", `config ${c.name} appears more than once`);
    named.add(c.name);
    if (c.configOperation === SET) {
      if (c.value === null) throw new KafkaProtocolError("INVALID_CONFIG", `SET ${c.name} needs a value`);
    } else if (c.configOperation === APPEND || c.configOperation === SUBTRACT) {
      if (!LIST_CONFIGS.has(c.name)) throw new KafkaProtocolError("INVALID_CONFIG", `${c.name} is not a list config`);
    } else if (c.configOperation !== DELETE) {
      throw new KafkaProtocolError("INVALID_REQUEST", `unknown config operation ${c.configOperation}`);
    }
  }
}

/** The configs after the (checked) operations, from `current`. */
function applyOperations(current: Record<string, string>, configs: readonly Operation[]): Record<string, string> {
  const merged: Record<string, string> = { ...current };
  for (const c of configs) {
    if (c.configOperation === SET) {
      merged[c.name] = c.value!;
    } else if (c.configOperation === DELETE) {
      delete merged[c.name];
    } else {
      const items = (merged[c.name] ?? LIST_CONFIGS.get(c.name)!).split(",").map((s) => s.trim()).filter(Boolean);
      const given = (c.value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      const next = c.configOperation === APPEND ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i));
      merged[c.name] = next.join(",");
    }
  }
  return merged;
}
