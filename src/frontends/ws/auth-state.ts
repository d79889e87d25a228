// A WebSocket connection's authentication state: the principal (ANONYMOUS until an AUTH frame succeeds),
// a SCRAM exchange in progress, and the expiry of a token-based session. When the credential expires the
// connection stays usable for a grace period (SecurityConfig.tokenExpiryGraceMs) in which the client may
// send a new AUTH; without one it is closed with 4012 TOKEN_EXPIRED.

import { CloseCode } from "../../protocol/ws/frames.js";
import { ANONYMOUS, type Principal, type SaslExchange } from "../../security/index.js";

/** setTimeout's limit: a longer delay fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WsAuthState {
  principal: Principal = ANONYMOUS;
  authenticated = false;
  exchange: SaslExchange | undefined;
  expiresAtMs: number | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** The client's address, as ACL hosts name it. */
    readonly host: string,
    /** Closes the connection (the session's close). */
    readonly close: (code: number, reason: string) => void,
  ) {}

  /** Moves the connection to `principal` until `expiresAtMs` (+ grace), replacing any earlier expiry. */
  establish(principal: Principal, expiresAtMs: number | undefined, graceMs: number): void {
    this.principal = principal;
    this.authenticated = true;
    this.exchange = undefined;
    this.expiresAtMs = expiresAtMs;
    this.clearTimer();
    if (expiresAtMs === undefined) return;
    const fire = () => {
      const left = expiresAtMs + graceMs - Date.now();
      if (left > 0) {
        this.expiryTimer = setTimeout(fire, Math.min(left, MAX_TIMER_MS));
        return;
      }
      this.close(CloseCode.TOKEN_EXPIRED, "token expired: send AUTH with a fresh token before it does");
    };
    fire();
  }

  private clearTimer(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  dispose(): void {
    this.clearTimer();
    this.exchange = undefined;
  }
}
