// SaslAuthenticate (key 36), v0-2.
//
// Behavior:
// - Carries one SASL step of the exchange a v1 SaslHandshake started (PLAIN and OAUTHBEARER take one step,
//   SCRAM two); the reply carries the server's challenge (server-first, server-final).
// - session_lifetime_ms (v1+): the time left until the session ends: a JWT's exp (OAUTHBEARER), bounded by
//   connections.max.reauth.ms when set (every mechanism); 0 = no end. The client is expected to
//   re-authenticate (SaslHandshake + SaslAuthenticate on the same connection, same principal) before it; a
//   request other than those after it closes the connection (KIP-368). A v0 client cannot learn the
//   lifetime, so connections.max.reauth.ms does not cut it (as Kafka); a token's exp still does.
// - OAUTHBEARER with a token that does not verify: RFC 7628's error challenge first (error code 0, auth
//   bytes {"status":"invalid_token"}); the client's %x01 reply then fails as below.
// - Failure (wrong password, unknown user, bad token): SASL_AUTHENTICATION_FAILED after
//   connection.failed.authentication.delay.ms, then the connection is closed. A step with no exchange
//   running: ILLEGAL_SASL_STATE, then close. Failures count in rivulet_auth_failures_total.

import { KafkaErrors } from "../../../errors/index.js";
import type { ApiKey } from "../../../protocol/kafka/index.js";
import { AuthenticationFailedError } from "../../../security/index.js";
import type { Handler } from "./context.js";

const EMPTY = new Uint8Array(0);

export const handleSaslAuthenticate: Handler<typeof ApiKey.SaslAuthenticate> = async (ctx, request, info) => {
  const auth = info.auth;
  const security = ctx.security;
  if (!security || !auth || !auth.exchange || auth.rawTokens) {
    if (auth) auth.closeAfterResponse = true;
    return { errorCode: KafkaErrors.ILLEGAL_SASL_STATE.code, errorMessage: "SaslAuthenticate without a SaslHandshake v1 first", authBytes: EMPTY, sessionLifetimeMs: 0n };
  }
  try {
    const { challenge, complete } = await auth.step(security, request.authBytes, info.header.apiVersion >= 1);
    const lifetime = complete && auth.expiresAtMs !== undefined ? BigInt(Math.max(1, auth.expiresAtMs - Date.now())) : 0n;
    return { errorCode: KafkaErrors.NONE.code, errorMessage: null, authBytes: challenge, sessionLifetimeMs: lifetime };
  } catch (error) {
    const message = error instanceof AuthenticationFailedError ? error.message : "Authentication failed";
    return { errorCode: KafkaErrors.SASL_AUTHENTICATION_FAILED.code, errorMessage: message, authBytes: EMPTY, sessionLifetimeMs: 0n };
  }
};
