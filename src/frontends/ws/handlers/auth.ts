// AUTH -> AUTH_RESULT: authenticates (or re-authenticates) the connection.
//
// Behavior:
// - mechanism "JWT": the payload is a JWT (UTF-8), verified as Kafka's OAUTHBEARER token is (src/security/
//   jwt.ts); the session lasts until its exp, then a grace period for a fresh AUTH (auth-state.ts).
// - PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER: the SASL client messages; SCRAM answers the first AUTH
//   with AUTH_RESULT complete=0 carrying server-first, and the second with complete=1 carrying server-final.
// - Re-authentication must keep the principal. A failure (or a mechanism not offered) is answered with
//   ERROR SASL_AUTHENTICATION_FAILED (58) / UNSUPPORTED_SASL_MECHANISM (33) after the failure delay, and
//   the connection is then closed with 4010, as Kafka closes after a failed authentication.

import { KafkaProtocolError } from "../../../errors/index.js";
import { CloseCode, FrameType } from "../../../protocol/ws/frames.js";
import { AuthenticationFailedError, principalString, type AuthResult } from "../../../security/index.js";
import type { WsHandler } from "./context.js";

const EMPTY = new Uint8Array(0);

export const handleAuth: WsHandler<typeof FrameType.AUTH> = async (ctx, frame) => {
  const { security, auth } = ctx;
  const closeSoon = () => setTimeout(() => auth.close(CloseCode.AUTHENTICATION_FAILED, "authentication failed"), 0);
  if (!security) throw new KafkaProtocolError("ILLEGAL_SASL_STATE", "authentication is not configured on this server");
  let result: AuthResult | undefined;
  let challenge: Uint8Array = EMPTY;
  try {
    if (frame.mechanism === "JWT") {
      if (!security.jwt) throw new KafkaProtocolError("UNSUPPORTED_SASL_MECHANISM", "no JWT key is configured on this server");
      try {
        result = await security.jwt.verify(new TextDecoder().decode(frame.payload));
      } catch (error) {
        throw new AuthenticationFailedError("Authentication failed: invalid token", (error as Error).message);
      }
    } else {
      if (!auth.exchange || auth.exchange.mechanism !== frame.mechanism) {
        auth.exchange = security.exchange(frame.mechanism);
        if (!auth.exchange) throw new KafkaProtocolError("UNSUPPORTED_SASL_MECHANISM", `mechanism ${frame.mechanism} is not offered (${["JWT", ...security.mechanisms].join(", ")})`);
      }
      ({ challenge, result } = await auth.exchange.step(frame.payload));
      if (!result) return { type: FrameType.AUTH_RESULT, requestId: frame.requestId, complete: false, principal: "", sessionLifetimeMs: -1n, payload: challenge };
    }
    if (auth.authenticated && principalString(result.principal) !== principalString(auth.principal)) {
      throw new AuthenticationFailedError("Cannot change principals during re-authentication", `re-authentication as ${result.principal.name} on a connection of ${auth.principal.name}`);
    }
  } catch (error) {
    auth.exchange = undefined;
    await security.failed("ws", frame.mechanism.slice(0, 32), auth.host, error);
    closeSoon();
    throw error;
  }
  // connections.max.reauth.ms bounds WebSocket sessions too: the client library re-authenticates before
  // the end (a token provider, or the username and password it was given).
  const expiresAtMs = security.sessionEnd(result.expiresAtMs);
  auth.establish(result.principal, expiresAtMs, security.tokenExpiryGraceMs);
  security.succeeded("ws", frame.mechanism, result.principal, auth.host);
  const lifetime = expiresAtMs === undefined ? -1n : BigInt(Math.max(0, expiresAtMs - Date.now()));
  return { type: FrameType.AUTH_RESULT, requestId: frame.requestId, complete: true, principal: principalString(result.principal), sessionLifetimeMs: lifetime, payload: challenge };
};
