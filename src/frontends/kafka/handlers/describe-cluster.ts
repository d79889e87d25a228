// DescribeCluster (key 60), v0-1.
//
// Behavior: this one node as the only broker and the controller, at the advertised host and port; the
// cluster id Metadata reports. Asking for controllers (endpoint_type 2, v1): this node too (it is its own
// controller). Authorized operations: every cluster operation when asked (no ACLs), else INT32_MIN.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

// Kafka's AclOperation codes for a cluster: CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
const CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((bits, op) => bits | (1 << op), 0);

export const handleDescribeCluster: Handler<typeof ApiKey.DescribeCluster> = (ctx, request) => ({
  errorCode: KafkaErrors.NONE.code,
  errorMessage: null,
  endpointType: request.endpointType ?? 1,
  clusterId: ctx.clusterId,
  controllerId: ctx.nodeId,
  brokers: [{ brokerId: ctx.nodeId, host: ctx.advertisedHost, port: ctx.advertisedPort, rack: null }],
  clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : -2147483648,
});
