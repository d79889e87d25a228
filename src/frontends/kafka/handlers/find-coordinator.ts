// FindCoordinator (key 10), v0-2.
//
// Behavior:
// - Group keys (key type 0, and every v0 request): this node, at the advertised host and port; or
//   COORDINATOR_NOT_AVAILABLE (retriable) while the coordinator is not running.
// - Transaction keys (key type 1): INVALID_REQUEST with a message (no transaction coordinator here; the
//   error is not retriable, so transactional clients fail fast instead of polling).
// Version notes: v1 adds key_type, throttle time and error_message; v2 throttling only.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey, FindCoordinatorResponse } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleFindCoordinator: Handler<typeof ApiKey.FindCoordinator> = (ctx, request): FindCoordinatorResponse => {
  const none = { nodeId: -1, host: "", port: -1 };
  if (request.keyType !== 0) {
    return { errorCode: KafkaErrors.INVALID_REQUEST.code, errorMessage: "transactions are not supported", ...none };
  }
  if (!ctx.coordinator?.isActive) {
    return { errorCode: KafkaErrors.COORDINATOR_NOT_AVAILABLE.code, errorMessage: "the group coordinator is not running", ...none };
  }
  return { errorCode: KafkaErrors.NONE.code, errorMessage: null, nodeId: ctx.nodeId, host: ctx.advertisedHost, port: ctx.advertisedPort };
};
