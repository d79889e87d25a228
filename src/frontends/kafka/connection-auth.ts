// A Kafka connection's authentication state: its principal (ANONYMOUS until SASL completes), the SASL
// exchange in progress, and when the session ends (a JWT's exp). The SaslHandshake and SaslAuthenticate
// handlers drive it; connection.ts reads two flags: `rawTokens` (after a v0 handshake the client sends bare
// SASL tokens, size-prefixed with no Kafka header) and `closeAfterResponse` (a failed or illegal SASL step
// is answered, then the connection is closed, as Kafka does).

import { ANONYMOUS, AuthenticationFailedError, type Principal, type SaslExchange, type Security } from "../../security/index.js";
import { normalizeAddress } from "../../security/network-policy.js";

export class ConnectionAuth {
  principal: Principal = ANONYMOUS;
  authenticated = false;
  /** The mechanism chosen by the last SaslHandshake, and its exchange until it completes. */
  mechanism: string | undefined;
  exchange: SaslExchange | undefined;
  /** Set by a v0 SaslHandshake: the next frames are bare SASL tokens. */
  rawTokens = false;
  /** Session end (ms since the epoch) for expiring credentials; requests after it close the connection. */
  expiresAtMs: number | undefined;
  closeAfterResponse = false;

  constructor(
    /** The client's bare address, as ACL hosts name it ("127.0.0.1"). */
    readonly host: string,
    readonly remote: string,
  ) {}

  /** A verified TLS client certificate's principal (mTLS): authenticated before any SASL. */
  fromCertificate(principal: Principal): void {
    this.principal = principal;
    this.authenticated = true;
  }

  get expired(): boolean {
    return this.expiresAtMs !== undefined && Date.now() >= this.expiresAtMs;
  }

  /**
   * One SASL step. Success moves the connection to the exchange's principal (a re-authentication must keep
   * it, KIP-368); failure is counted, delayed and rethrown as AuthenticationFailedError.
   * `reauthenticates`: the client learns its session lifetime (SaslAuthenticate v1+) and so can
   * re-authenticate: only then does connections.max.reauth.ms bound the session, as in Kafka, where
   * older clients' connections are not cut (a JWT's exp bounds every session whatever the client).
   */
  async step(security: Security, input: Uint8Array, reauthenticates = false): Promise<{ challenge: Uint8Array; complete: boolean }> {
    const exchange = this.exchange!;
    try {
      const { challenge, result } = await exchange.step(input);
      if (!result) return { challenge, complete: false };
      if (this.authenticated && (result.principal.name !== this.principal.name || result.principal.type !== this.principal.type)) {
        throw new AuthenticationFailedError("Cannot change principals during re-authentication", `re-authentication as ${result.principal.name} on a connection of ${this.principal.name}`);
      }
      this.principal = result.principal;
      this.authenticated = true;
      this.expiresAtMs = reauthenticates ? security.sessionEnd(result.expiresAtMs) : result.expiresAtMs;
      this.exchange = undefined;
      this.rawTokens = false;
      security.succeeded("kafka", exchange.mechanism, result.principal, this.remote);
      return { challenge, complete: true };
    } catch (error) {
      this.exchange = undefined;
      this.closeAfterResponse = true;
      await security.failed("kafka", exchange.mechanism, this.remote, error);
      if (error instanceof AuthenticationFailedError) throw error;
      throw new AuthenticationFailedError("Authentication failed", (error as Error)?.message ?? String(error));
    }
  }
}

/** A bare client address for ACL host matching, in the network policy's normal form (IPv4-mapped -> IPv4). */
export function aclHost(address: string | undefined): string {
  return address ? normalizeAddress(address) : "";
}
