// Kafka's ACL codes (org.apache.kafka.common.acl / resource): wire values shared by the Kafka APIs
// (CreateAcls, DescribeAcls, DeleteAcls), the WebSocket's ACL frames, the broker's authorizer
// (security/acl.ts re-exports them) and the browser-safe client, so every layer speaks one vocabulary.

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

export const Operation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12,
} as const;
export type Operation = (typeof Operation)[keyof typeof Operation];

export const Permission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

/** Kafka's one cluster resource is named "kafka-cluster". */
export const CLUSTER_NAME = "kafka-cluster";
