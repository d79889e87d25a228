// The replication throttle's configs through the Kafka config APIs (docs/cluster.md, "Throttling a move"):
// - broker resources (this node's id, or "" for the cluster default): `leader.replication.throttled.rate`
//   and `follower.replication.throttled.rate`, the only broker configs that can be altered;
// - topic resources: `leader.replication.throttled.replicas` and `follower.replication.throttled.replicas`.
// They live in the cluster metadata (ClusterView.dynamicConfigs), so every broker applies them; a single
// node has no replication and refuses them (INVALID_REQUEST). Bad values: INVALID_CONFIG.

import { InvalidArgumentError, KafkaProtocolError } from "../../../errors/index.js";
import type { ClusterView } from "../../../broker/replication-hooks.js";
import { THROTTLED_REPLICAS_CONFIGS, THROTTLE_RATE_CONFIGS, checkRate, checkThrottledReplicas } from "../../../broker/throttle-configs.js";
import type { DescribedConfig } from "../../../protocol/kafka/index.js";
import type { KafkaBrokerContext } from "./context.js";
import { ConfigSource, build } from "./topic-configs.js";

type Dynamic = Required<Pick<ClusterView, "dynamicConfigs" | "updateDynamicConfigs">>;

/** Kafka's default for both rates: Long.MAX_VALUE, no limit. */
const UNLIMITED = "9223372036854775807";

const documentation: Record<string, string> = {
  "leader.replication.throttled.rate": "Bytes per second this broker sends, as a leader, to out-of-sync replicas listed in a topic's leader.replication.throttled.replicas.",
  "follower.replication.throttled.rate": "Bytes per second this broker fetches, as a follower out of the ISR, for replicas listed in a topic's follower.replication.throttled.replicas.",
  "leader.replication.throttled.replicas": "Replicas (partition:brokerId, or *) throttled on the leader side.",
  "follower.replication.throttled.replicas": "Replicas (partition:brokerId, or *) throttled on the follower side.",
};

/** The cluster's dynamic configs, or INVALID_REQUEST on a single node. */
function dynamic(ctx: KafkaBrokerContext): Dynamic | undefined {
  const c = ctx.broker.cluster;
  return c?.dynamicConfigs && c.updateDynamicConfigs ? (c as Dynamic) : undefined;
}

function requireCluster(ctx: KafkaBrokerContext, what: string): Dynamic {
  const d = dynamic(ctx);
  if (!d) throw new KafkaProtocolError("INVALID_REQUEST", `${what}: a single node has no replication to throttle (run in cluster mode)`);
  return d;
}

function invalidConfig(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new KafkaProtocolError("INVALID_CONFIG", error.message);
    throw error;
  }
}

/** Splits the throttled replica lists off a topic's configs (the rest go to topics.json). */
export function splitThrottledReplicas(configs: Record<string, string>): { throttled: Record<string, string>; rest: Record<string, string> } {
  const throttled: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [name, value] of Object.entries(configs)) (THROTTLED_REPLICAS_CONFIGS.includes(name) ? throttled : rest)[name] = value;
  return { throttled, rest };
}

/**
 * What a config request makes of a resource's current configs: AlterConfigs' own set whatever they were,
 * IncrementalAlterConfigs' operations applied to them. Applied to the values the cluster metadata holds
 * at the write (a compare-and-swap, retried on a concurrent change), so it may run more than once.
 */
export type ConfigsChange = (current: Record<string, string>) => Record<string, string>;

/**
 * A broker resource's configs as `change` makes them of its current rates: only the two rates may be
 * given; each must be a non-negative integer. The rates named are set, the other one removed.
 */
export async function applyBrokerThrottles(ctx: KafkaBrokerContext, name: string, change: ConfigsChange, validateOnly: boolean): Promise<void> {
  const d = dynamic(ctx);
  const checked = (current: Record<string, string>): Record<string, string> => {
    const configs = change(current);
    const readOnly = Object.keys(configs).filter((c) => !THROTTLE_RATE_CONFIGS.includes(c));
    if (readOnly.length) throw new KafkaProtocolError("INVALID_REQUEST", `broker configs are read-only here (set them with \`rivulet serve\` flags), except ${THROTTLE_RATE_CONFIGS.join(" and ")}: ${readOnly.join(", ")}`);
    requireCluster(ctx, "broker configs are read-only here except the replication throttle rates");
    const values: Record<string, string> = {};
    for (const [config, value] of Object.entries(configs)) invalidConfig(() => (values[config] = String(checkRate(config, value))));
    return values;
  };
  if (!d || validateOnly) {
    checked(d ? await d.dynamicConfigs("broker", name) : {});
    return;
  }
  const values = await d.updateDynamicConfigs("broker", name, THROTTLE_RATE_CONFIGS, checked);
  ctx.logger.info("replication throttle rates altered", { broker: name === "" ? "(cluster default)" : name, configs: values });
}

/**
 * Checks a topic's throttled replica lists as `select` makes them of the current ones; sets them (those
 * not given removed) unless validateOnly or unchanged.
 */
export async function applyTopicThrottles(ctx: KafkaBrokerContext, topic: string, select: ConfigsChange, validateOnly: boolean): Promise<void> {
  const d = dynamic(ctx);
  if (!d) {
    const throttled = select({});
    if (Object.keys(throttled).length) requireCluster(ctx, Object.keys(throttled).join(", "));
    return;
  }
  const checked = (current: Record<string, string>): Record<string, string> => {
    const throttled = select(current);
    for (const [config, value] of Object.entries(throttled)) invalidConfig(() => checkThrottledReplicas(config, value));
    return throttled;
  };
  if (validateOnly) {
    checked(await d.dynamicConfigs("topic", topic));
    return;
  }
  const written = await d.updateDynamicConfigs("topic", topic, THROTTLED_REPLICAS_CONFIGS, (current) => {
    const throttled = checked(current);
    return THROTTLED_REPLICAS_CONFIGS.every((c) => current[c] === throttled[c]) ? undefined : throttled;
  });
  if (written) ctx.logger.info("throttled replicas altered", { topic, configs: written });
}

/** DescribeConfigs of a broker resource: the two rates (cluster mode only), with their sources. */
export async function describeBrokerThrottles(ctx: KafkaBrokerContext, name: string, keys: string[] | null, synonyms: boolean, docs: boolean): Promise<DescribedConfig[]> {
  const d = dynamic(ctx);
  if (!d) return [];
  const own = name === "" ? {} : await d.dynamicConfigs("broker", name);
  const cluster = await d.dynamicConfigs("broker", "");
  return THROTTLE_RATE_CONFIGS.filter((c) => !keys || keys.includes(c)).map((c) => {
    const levels: { name: string; value: string; source: number }[] = [];
    if (own[c] !== undefined) levels.push({ name: c, value: own[c], source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    if (cluster[c] !== undefined) levels.push({ name: c, value: cluster[c], source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    levels.push({ name: c, value: UNLIMITED, source: ConfigSource.DEFAULT_CONFIG });
    const top = levels[0]!;
    return build(c, top.value, top.source, synonyms ? levels : [], false, docs, documentation[c]);
  });
}

/** DescribeConfigs of a topic: its two throttled replica lists (cluster mode only). */
export async function describeTopicThrottles(ctx: KafkaBrokerContext, topic: string, keys: string[] | null, synonyms: boolean, docs: boolean): Promise<DescribedConfig[]> {
  const d = dynamic(ctx);
  if (!d) return [];
  const own = await d.dynamicConfigs("topic", topic);
  return THROTTLED_REPLICAS_CONFIGS.filter((c) => !keys || keys.includes(c)).map((c) => {
    const levels: { name: string; value: string; source: number }[] = [];
    if (own[c] !== undefined) levels.push({ name: c, value: own[c], source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    levels.push({ name: c, value: "", source: ConfigSource.DEFAULT_CONFIG });
    const top = levels[0]!;
    return build(c, top.value, top.source, synonyms ? levels : [], false, docs, documentation[c]);
  });
}
