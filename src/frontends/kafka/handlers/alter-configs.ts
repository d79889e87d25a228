// AlterConfigs (key 33), v0-2.
//
// Behavior:
// - Topic resources: the given configs replace every override of the topic (configs not named revert
//   to the broker default: Kafka's AlterConfigs semantics); null values are skipped. Unknown config names
//   and out-of-range values: INVALID_CONFIG, nothing changed. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION.
//   The change goes through the broker core (Broker.alterTopicConfigs: durable in topics.json, then every
//   partition reconfigured) before we answer.
// - validate_only: the same checks, nothing changed.
// - Broker resources: INVALID_REQUEST (broker configs come from `rivulet serve` flags; see topic-configs.ts),
//   except the replication throttle rates in cluster mode (throttle-configs.ts): this node's id or "" (the
//   cluster default); the rates given are set, the other removed. On a single node: INVALID_REQUEST.
// - The topic configs leader/follower.replication.throttled.replicas go to the cluster metadata
//   (throttle-configs.ts), the rest to the broker core; a single node refuses the two (INVALID_REQUEST).
// - Errors are per resource, in request order.

import { KafkaProtocolError, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler, KafkaBrokerContext } from "./context.js";
import { NONE, ResourceType, checkBrokerResource, configTopic, validateTopicConfigs } from "./topic-configs.js";
import { applyBrokerThrottles, applyTopicThrottles, splitThrottledReplicas, type ConfigsChange } from "./throttle-configs.js";

export const handleAlterConfigs: Handler<typeof ApiKey.AlterConfigs> = async (ctx, request) => {
  const responses = [];
  for (const r of request.resources) {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      const configs: Record<string, string> = {};
      for (const c of r.configs) if (c.value !== null) configs[c.name] = c.value;
      await applyTopicConfigs(ctx, r.resourceType, r.resourceName, () => configs, request.validateOnly);
      responses.push({ ...base, errorCode: NONE, errorMessage: null });
    } catch (error) {
      responses.push({ ...base, errorCode: toKafkaCode(error), errorMessage: (error as Error).message });
    }
  }
  return { responses };
};

/**
 * Validates and (unless validateOnly) sets a topic's complete overrides, or a broker's throttle rates, as
 * `change` makes them of the current ones (for a topic: its overrides and its throttled replica lists).
 */
export async function applyTopicConfigs(
  ctx: KafkaBrokerContext,
  resourceType: number,
  resourceName: string,
  change: ConfigsChange,
  validateOnly: boolean,
): Promise<void> {
  if (resourceType === ResourceType.BROKER) {
    checkBrokerResource(ctx, resourceName);
    await applyBrokerThrottles(ctx, resourceName, change, validateOnly);
    return;
  }
  if (resourceType !== ResourceType.TOPIC) {
    throw new KafkaProtocolError("INVALID_REQUEST", `resource type ${resourceType} has no configs here`);
  }
  const overrides = configTopic(ctx, resourceName).configs;
  // The lists are changed against the cluster metadata's values at the write (a compare-and-swap that may
  // run `change` again); the other configs are this broker's own, taken from the attempt that was written.
  // Both are validated before anything is written.
  let rest: Record<string, string> = {};
  const throttledOf = (throttles: Record<string, string>): Record<string, string> => {
    const split = splitThrottledReplicas(change({ ...overrides, ...throttles }));
    validateTopicConfigs(ctx, split.rest);
    rest = split.rest;
    return split.throttled;
  };
  await applyTopicThrottles(ctx, resourceName, throttledOf, validateOnly);
  if (validateOnly) return;
  await ctx.broker.alterTopicConfigs(resourceName, rest);
  ctx.logger.info("topic configs altered", { topic: resourceName, configs: rest });
}
