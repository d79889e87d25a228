// The security service both front ends share: who may connect (authentication: the user store, the JWT
// verifier, the enabled SASL mechanisms) and what they may do (the authorizer), plus the counters /metrics
// reports. startServer builds one from ServerConfig.security and hands it to both listeners; with no
// config, everything is ANONYMOUS and allowed, as before.

import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../errors/index.js";
import type { Logger } from "../log.js";
import { AclStore } from "./acl-store.js";
import { CLUSTER_NAME, Operation, ResourceType, type Operation as Op, type ResourceType as RT } from "./acl.js";
import { AclAuthorizer, type Authorizer } from "./authorizer.js";
import { JwtVerifier, type JwtConfig } from "./jwt.js";
import { ANONYMOUS, parsePrincipal, type Principal } from "./principal.js";
import { AuthenticationFailedError, createExchange, isSaslMechanism, SASL_MECHANISMS, type SaslExchange, type SaslMechanism } from "./sasl.js";
import { UserStore } from "./user-store.js";

export interface SecurityConfig {
  /** Every connection must authenticate before any other request (Kafka SASL_*, WebSocket AUTH first). */
  requireAuthentication?: boolean;
  /** SASL mechanisms offered. Default PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, plus OAUTHBEARER when `jwt` is set. */
  mechanisms?: SaslMechanism[];
  /** JWT verification for the WebSocket AUTH frame and Kafka OAUTHBEARER. */
  jwt?: JwtConfig;
  /** Kafka's connection.failed.authentication.delay.ms. Default 100. */
  failedAuthenticationDelayMs?: number;
  /** How long a WebSocket whose token expired stays open for the client to re-authenticate. Default 30 s. */
  tokenExpiryGraceMs?: number;
  /**
   * Kafka's connections.max.reauth.ms (KIP-368): the longest session any authentication opens; 0 (the
   * default) = a session lasts as long as its credential (a JWT until its exp, a password for ever).
   */
  maxReauthMs?: number;
  /** "acl" enables authorization (Kafka's authorizer.class.name); unset = every request allowed. */
  authorizer?: "acl";
  /** Principals allowed everything ("User:admin"), Kafka's super.users. */
  superUsers?: string[];
  /** Kafka's allow.everyone.if.no.acl.found. Default false. */
  allowEveryoneIfNoAclFound?: boolean;
}

export type Frontend = "kafka" | "ws";

export class Security {
  readonly users: UserStore;
  readonly acls: AclStore;
  readonly jwt: JwtVerifier | undefined;
  readonly mechanisms: readonly SaslMechanism[];
  readonly requireAuthentication: boolean;
  readonly failedAuthenticationDelayMs: number;
  readonly tokenExpiryGraceMs: number;
  readonly maxReauthMs: number;
  /** Undefined when authorization is off: every request is allowed. */
  readonly authorizer: Authorizer | undefined;
  /** Failed authentications per "frontend\0mechanism". */
  readonly failures = new Map<string, number>();
  readonly successes = new Map<string, number>();
  private readonly fakeSaltKey = randomBytes(32);
  /**
   * Resolves once the user and ACL changes made so far are durable where the cluster reads them: at once
   * with the data-directory files (written synchronously), after etcd took them in cluster mode
   * (etcd-store.ts replaces this). Administration requests await it before answering.
   */
  replicated: () => Promise<void> = () => Promise.resolve();

  constructor(dataDir: string, config: SecurityConfig, private readonly logger?: Logger) {
    this.users = UserStore.open(dataDir);
    this.acls = AclStore.open(dataDir);
    this.jwt = config.jwt && (config.jwt.keyFile || config.jwt.jwksFile) ? new JwtVerifier(config.jwt) : undefined;
    const mechanisms = config.mechanisms ?? SASL_MECHANISMS.filter((m) => m !== "OAUTHBEARER" || this.jwt);
    for (const m of mechanisms) if (!isSaslMechanism(m)) throw new InvalidArgumentError(`unknown SASL mechanism ${m} (use ${SASL_MECHANISMS.join(", ")})`);
    if (mechanisms.includes("OAUTHBEARER") && !this.jwt) throw new InvalidArgumentError("OAUTHBEARER needs a JWT key file or JWKS file");
    this.mechanisms = mechanisms;
    this.requireAuthentication = config.requireAuthentication ?? false;
    this.failedAuthenticationDelayMs = config.failedAuthenticationDelayMs ?? 100;
    this.tokenExpiryGraceMs = config.tokenExpiryGraceMs ?? 30_000;
    this.maxReauthMs = config.maxReauthMs ?? 0;
    if (!Number.isInteger(this.maxReauthMs) || this.maxReauthMs < 0) throw new InvalidArgumentError(`connections.max.reauth.ms must be a non-negative integer, got ${config.maxReauthMs}`);
    for (const p of config.superUsers ?? []) if (!parsePrincipal(p)) throw new InvalidArgumentError(`super user ${p} is not of the form User:<name>`);
    this.authorizer = config.authorizer === "acl" ? new AclAuthorizer(this.acls, config) : undefined;
  }

  /** A SASL exchange for a mechanism this server offers, or undefined. */
  exchange(mechanism: string): SaslExchange | undefined {
    if (!isSaslMechanism(mechanism) || !this.mechanisms.includes(mechanism)) return undefined;
    return createExchange(mechanism, { users: this.users, jwt: this.jwt, fakeSaltKey: this.fakeSaltKey });
  }

  /**
   * When a session that has just authenticated ends: the credential's own end (a JWT's exp), bounded by
   * connections.max.reauth.ms from now when that is set; undefined = never.
   */
  sessionEnd(credentialEndMs: number | undefined, now = Date.now()): number | undefined {
    if (this.maxReauthMs <= 0) return credentialEndMs;
    return Math.min(credentialEndMs ?? Number.POSITIVE_INFINITY, now + this.maxReauthMs);
  }

  /** Counts and logs a failed authentication, then waits the failure delay (Kafka delays the close). */
  async failed(frontend: Frontend, mechanism: string, remote: string, error: unknown): Promise<void> {
    const key = `${frontend}\u0000${mechanism}`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    const detail = error instanceof AuthenticationFailedError ? error.detail : (error as Error)?.message;
    this.logger?.warn("authentication failed", { frontend, mechanism, remote, reason: detail });
    if (this.failedAuthenticationDelayMs > 0) await new Promise((r) => setTimeout(r, this.failedAuthenticationDelayMs));
  }

  succeeded(frontend: Frontend, mechanism: string, principal: Principal, remote: string): void {
    const key = `${frontend}\u0000${mechanism}`;
    this.successes.set(key, (this.successes.get(key) ?? 0) + 1);
    this.logger?.debug("authenticated", { frontend, mechanism, principal: `${principal.type}:${principal.name}`, remote });
  }

  /** True when authorization is off or the principal may do this. `host` is the bare client address. */
  allowed(principal: Principal, host: string, operation: Op, resourceType: RT, name: string): boolean {
    return this.authorizer === undefined || this.authorizer.authorize(principal, host, operation, resourceType, name);
  }

  allowedCluster(principal: Principal, host: string, operation: Op): boolean {
    return this.allowed(principal, host, operation, ResourceType.CLUSTER, CLUSTER_NAME);
  }

  allowedAny(principal: Principal, host: string, operation: Op, resourceType: RT): boolean {
    return this.authorizer === undefined || this.authorizer.authorizeAny(principal, host, operation, resourceType);
  }

  /** Prometheus lines for /metrics. */
  metricsText(): string {
    const lines = ["# HELP rivulet_auth_failures_total Failed authentications.", "# TYPE rivulet_auth_failures_total counter"];
    for (const [key, n] of this.failures) {
      const [frontend, mechanism] = key.split("\u0000");
      lines.push(`rivulet_auth_failures_total{frontend="${frontend}",mechanism="${mechanism}"} ${n}`);
    }
    lines.push("# HELP rivulet_auth_successes_total Successful authentications.", "# TYPE rivulet_auth_successes_total counter");
    for (const [key, n] of this.successes) {
      const [frontend, mechanism] = key.split("\u0000");
      lines.push(`rivulet_auth_successes_total{frontend="${frontend}",mechanism="${mechanism}"} ${n}`);
    }
    return lines.join("\n") + "\n";
  }
}

export { ANONYMOUS, Operation, ResourceType };
