// Re-authentication (docs/security.md): a session the broker bounds (sessionLifetimeMs in AUTH_RESULT) is
// renewed on the same socket before it ends, so the server never closes the connection with 4012.

import type { AuthOptions } from "./auth.js";

export class Reauthentication {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly auth: AuthOptions,
    /** Authenticates again (the timer fired). */
    private readonly renew: () => void,
  ) {}

  /** An AUTH completed, opening a session of `lifetimeMs` (undefined: unbounded): schedules the next one. */
  sessionStarted(lifetimeMs: number | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    // A token provider gives a fresh token; a username and password authenticate again (a broker with
    // connections.max.reauth.ms bounds those sessions too). A fixed token cannot be renewed.
    const auth = this.auth;
    if (lifetimeMs === undefined || !("tokenProvider" in auth || "password" in auth)) return;
    // Renew at 80% of the lifetime (the server also allows a grace period past the end). A fixed margin
    // would make very short tokens renew in a tight loop.
    this.timer = setTimeout(this.renew, Math.max(0, lifetimeMs * 0.8));
    (this.timer as { unref?: () => void }).unref?.();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
