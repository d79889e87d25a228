// SaslHandshake (key 17), v0-1.
//
// Behavior:
// - Answers with the mechanisms this server offers (SecurityConfig.mechanisms). An offered mechanism starts
//   an exchange on the connection: v1 continues in SaslAuthenticate requests, v0 in bare SASL tokens
//   (connection.ts). An unknown one gets UNSUPPORTED_SASL_MECHANISM and the connection is closed after the
//   response, as in Kafka.
// - A second handshake while an exchange is running: ILLEGAL_SASL_STATE, then close. After a successful
//   authentication a new handshake is a re-authentication (KIP-368) and is allowed.
// - No security configured: ILLEGAL_SASL_STATE with no mechanisms (a PLAINTEXT listener in Kafka terms).

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

export const handleSaslHandshake: Handler<typeof ApiKey.SaslHandshake> = (ctx, request, info) => {
  const auth = info.auth;
  const security = ctx.security;
  if (!security || !auth) return { errorCode: KafkaErrors.ILLEGAL_SASL_STATE.code, mechanisms: [] };
  const mechanisms = [...security.mechanisms];
  if (auth.exchange) {
    auth.closeAfterResponse = true;
    return { errorCode: KafkaErrors.ILLEGAL_SASL_STATE.code, mechanisms };
  }
  const exchange = security.exchange(request.mechanism);
  if (!exchange) {
    auth.closeAfterResponse = true;
    return { errorCode: KafkaErrors.UNSUPPORTED_SASL_MECHANISM.code, mechanisms };
  }
  auth.mechanism = request.mechanism;
  auth.exchange = exchange;
  auth.rawTokens = info.header.apiVersion === 0;
  return { errorCode: KafkaErrors.NONE.code, mechanisms };
};
