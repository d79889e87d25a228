// DescribeConfigs (key 32), v0-4.
//
// Behavior:
// - Topic resources (type 2): every topic config Rivulet has (segment.bytes, retention.ms, cleanup.policy,
//   ...; the list is storage/log-config.ts's), or only configuration_keys when given (unknown keys are left
//   out, as Kafka does). Value, source and synonyms per topic-configs.ts: topic override → broker default
//   given to `rivulet serve` → built-in default. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION for that
//   resource.
// - Broker resources (type 4, name = this node id or ""): the broker-wide topic defaults under Kafka's
//   broker config names (log.retention.ms, ...), read-only. Another node id: INVALID_REQUEST.
// - Cluster mode adds the replication throttle (throttle-configs.ts): a broker's two rates (writable, with
//   source DYNAMIC_BROKER_CONFIG / DYNAMIC_DEFAULT_BROKER_CONFIG / DEFAULT_CONFIG) and a topic's two
//   throttled replica lists, read from the cluster metadata.
// - Other resource types (groups, client metrics): INVALID_REQUEST for that resource.
// - Nothing is sensitive; v0 reports is_default, v1+ config_source and synonyms (if include_synonyms),
//   v3+ types and documentation (if include_documentation).

import { KafkaErrors, toKafkaCode } from "../../../errors/index.js";
import type { ApiKey, DescribeConfigsResult } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";
import { NONE, ResourceType, checkBrokerResource, configTopic, describeBrokerConfigs, describeTopicConfigs } from "./topic-configs.js";
import { describeBrokerThrottles, describeTopicThrottles } from "./throttle-configs.js";

export const handleDescribeConfigs: Handler<typeof ApiKey.DescribeConfigs> = async (ctx, request) => {
  const synonyms = request.includeSynonyms ?? false;
  const docs = request.includeDocumentation ?? false;
  const results = request.resources.map(async (r): Promise<DescribeConfigsResult> => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      let configs;
      if (r.resourceType === ResourceType.TOPIC) {
        configs = describeTopicConfigs(ctx, configTopic(ctx, r.resourceName), r.configurationKeys, synonyms, docs);
        configs.push(...(await describeTopicThrottles(ctx, r.resourceName, r.configurationKeys, synonyms, docs)));
      } else if (r.resourceType === ResourceType.BROKER) {
        checkBrokerResource(ctx, r.resourceName);
        configs = describeBrokerConfigs(ctx, r.configurationKeys, synonyms, docs);
        configs.push(...(await describeBrokerThrottles(ctx, r.resourceName, r.configurationKeys, synonyms, docs)));
      } else {
        return { ...base, errorCode: KafkaErrors.INVALID_REQUEST.code, errorMessage: `resource type ${r.resourceType} has no configs here`, configs: [] };
      }
      return { ...base, errorCode: NONE, errorMessage: null, configs };
    } catch (error) {
      return { ...base, errorCode: toKafkaCode(error), errorMessage: (error as Error).message, configs: [] };
    }
  });
  return { results: await Promise.all(results) };
};
