// What every client command shares: the --broker and --timeout flags, and a connection that fails with one
// clear line.
//
// Behavior:
// * One-shot commands (topics, groups, consume without --follow) fail at once when the broker is not there
//   at start, unless --timeout is given: then they retry connecting until it passes.
// * `consume --follow` waits for a broker that is not there yet, and rides through broker restarts, forever
//   unless --timeout is given (then it exits 1 once the broker has been unreachable that long).
// * Once connected, every request has a deadline (--timeout, default 30 s), and a broker that goes away is
//   retried with capped backoff: stderr says "broker unreachable at URL, retrying…" once per outage and
//   "reconnected to URL" when it is back. Past the deadline the command exits 1 with one line.

import { connect, ConnectionError, TimeoutError, type ConnectionOptions, type RivuletClient } from "../client/index.js";
import { connectCluster, type RivuletCluster } from "../client/cluster.js";
import { ROUTED_ADMIN_CALLS } from "../client/cluster-admin.js";
import { RivuletError } from "../errors/index.js";
import { readFileSync } from "node:fs";
import { diagnoseBrokerUrl } from "./diagnose.js";
import { CliError, UsageError } from "./errors.js";
import { activeProfile } from "./profiles.js";

export const DEFAULT_BROKER = "ws://127.0.0.1:8080/ws";
/** The deadline of one request, and how long a one-shot command waits for a broker that went away. */
export const DEFAULT_TIMEOUT_MS = 30_000;

// Several comma-separated URLs are accepted too (a cluster's brokers; docs/cluster.md): the help text is
// unchanged so docs/cli.md's generated appendix stays as it is.
export const brokerFlags = {
  broker: { kind: "string", description: `broker WebSocket URL (host:port is short for ws://host:port/ws; default: the profile's, else ${DEFAULT_BROKER})`, env: "RIVULET_BROKER", placeholder: "URL" },
} as const;

export const timeoutFlag = {
  timeout: {
    kind: "integer",
    description: `give up (exit 1) when a request gets no answer, or the broker stays unreachable, for this long (default ${DEFAULT_TIMEOUT_MS}; consume --follow: retry forever)`,
    min: 1,
    env: "RIVULET_TIMEOUT",
    placeholder: "MS",
  },
} as const;

/**
 * The broker to talk to: --broker (or RIVULET_BROKER) if given, else the active profile's (--profile,
 * RIVULET_PROFILE, or the current one), else the default. Accepts a full ws:// or wss:// URL, or host:port.
 */
export function brokerUrl(flag: string | undefined): string {
  return brokerUrls(flag)[0]!;
}

/** Every URL of a comma-separated --broker (a cluster's brokers), each checked as brokerUrl checks one. */
export function brokerUrls(flag: string | undefined): string[] {
  const given = flag ?? activeProfile()?.profile.broker ?? DEFAULT_BROKER;
  const list = given.split(",").map((x) => x.trim()).filter(Boolean);
  if (!list.length) throw new UsageError("--broker: no URL given");
  return list.map(oneBrokerUrl);
}

function oneBrokerUrl(given: string): string {
  if (/^wss?:\/\//i.test(given)) {
    try {
      new URL(given);
    } catch {
      throw new UsageError(`--broker: '${given}' is not a valid URL`);
    }
    return given;
  }
  if (/^[\w.-]+:\d+$/.test(given) || /^\[[0-9a-f:]+\]:\d+$/i.test(given)) return `ws://${given}/ws`;
  throw new UsageError(`--broker must be a ws:// or wss:// URL or host:port, got '${given}'`);
}

export interface BrokerOptions {
  /** A long-running command (consume --follow): waits for the broker without a deadline unless timeoutMs. */
  follow?: boolean;
  /** --timeout: request deadline and the longest the broker may stay unreachable. */
  timeoutMs?: number;
  /** Where status lines go (default stderr). */
  status?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to the broker, printing one status line per outage (see Behavior above). */
export async function connectBroker(given: string | undefined, options: BrokerOptions = {}): Promise<RivuletClient> {
  const urls = brokerUrls(given);
  let url = urls[0]!;
  const status = options.status ?? ((line: string) => void process.stderr.write(`rivulet: ${line}\n`));
  const giveUpAfterMs = options.timeoutMs ?? (options.follow ? Number.POSITIVE_INFINITY : DEFAULT_TIMEOUT_MS);
  const connection: ConnectionOptions = {
    url, // several --broker URLs: the first that answers (tried in order, below)
    requestTimeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    connectTimeoutMs: Math.min(options.timeoutMs ?? 10_000, 10_000),
    reconnect: { initialDelayMs: 100, maxDelayMs: 5_000, giveUpAfterMs },
  };
  Object.assign(connection, await profileConnectionOptions());
  // Waiting for a broker that is not there yet: only when asked to (--follow, or an explicit --timeout).
  const waitAtStart = options.follow === true || options.timeoutMs !== undefined;
  const started = Date.now();
  let client: RivuletClient | undefined;
  let saidRetrying = false;
  for (let attempt = 0; !client; attempt++) {
    try {
      // Several --broker URLs: try each in turn; the first that answers serves the command.
      for (let i = 0; ; i++) {
        url = urls[i]!;
        try {
          client = await connect({ ...connection, url });
          break;
        } catch (error) {
          if (i === urls.length - 1) throw error;
        }
      }
    } catch (error) {
      // The broker answered and said no (authentication failed, a close code of its own): retrying cannot help.
      const closeCode = error instanceof ConnectionError ? error.closeCode : undefined;
      const refused = (error instanceof RivuletError && !(error instanceof ConnectionError) && !(error instanceof TimeoutError)) || (closeCode !== undefined && closeCode >= 4000 && closeCode !== 4008);
      if (refused) throw new CliError(`the broker at ${url} refused the connection: ${(error as Error).message}`);
      const waited = Date.now() - started;
      if (!waitAtStart) throw new CliError(`cannot connect to the broker at ${urls.length > 1 ? `${urls.join(", ")} (none answered; the last)` : url}: ${await diagnoseBrokerUrl(url)}`);
      if (waited >= giveUpAfterMs) throw new TimeoutError(`broker at ${url} unreachable for ${waited} ms (--timeout ${giveUpAfterMs})`, giveUpAfterMs);
      if (!saidRetrying) status(`broker unreachable at ${url}, retrying…`);
      saidRetrying = true;
      await sleep(Math.min(100 * 2 ** Math.min(attempt, 16), 5_000, Math.max(0, giveUpAfterMs - waited)) * (0.5 + Math.random() / 2));
    }
  }
  if (Date.now() - started > 0 && saidRetrying) status(`connected to ${url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  client.on("disconnected", () => status(`broker unreachable at ${url}, retrying…`));
  client.on("reconnected", (e) => status(`reconnected to ${url} after ${(e.downForMs / 1000).toFixed(1)} s`));
  return client;
}

/** Runs `body` with a connected client and closes it afterwards, whatever happens. */
export async function withClient<T>(given: string | undefined, body: (client: RivuletClient) => Promise<T>, options: BrokerOptions = {}): Promise<T> {
  const client = await connectBroker(given, options);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

/**
 * withClient for a command with brokerFlags and timeoutFlag. A cluster's broker: the admin calls the cluster
 * client routes (topics at any live broker, groups at their coordinator, offsets at leaders, retried on
 * another broker when one dies; src/client/cluster-admin.ts) go through it; the rest (users, ACLs: kept
 * per broker) stay on the broker connected to.
 */
export function withBroker<T>(flags: { broker?: string; timeout?: number }, body: (client: RivuletClient) => Promise<T>): Promise<T> {
  return withClient(
    flags.broker,
    async (client) => {
      const cluster = await clusterFor(client, flags.broker, client.connection.requestTimeoutMs);
      if (!cluster) return body(client);
      try {
        return await body(routedClient(client, cluster));
      } finally {
        cluster.close();
      }
    },
    { timeoutMs: flags.timeout },
  );
}

/** `client` with its admin's calls that the cluster admin also has sent through the cluster admin. */
function routedClient(client: RivuletClient, cluster: RivuletCluster): RivuletClient {
  const routed = cluster.admin as unknown as Record<string, (...args: unknown[]) => unknown>;
  const admin = new Proxy(client.admin, {
    get(target, prop, receiver) {
      return typeof prop === "string" && ROUTED_ADMIN_CALLS.has(prop) ? routed[prop]!.bind(cluster.admin) : Reflect.get(target, prop, receiver);
    },
  });
  return Object.create(client, { admin: { value: admin } }) as RivuletClient;
}

/** The TLS files of the active profile (CA to trust, client certificate for mTLS), read now. */
function profileTls(): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  const p = activeProfile()?.profile;
  if (!p || !(p.tlsCa || p.tlsCert || p.tlsKey)) return undefined;
  const read = (what: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new CliError(`profile TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  return { ca: read("CA", p.tlsCa), cert: read("certificate", p.tlsCert), key: read("key", p.tlsKey) };
}

/** A `ws` WebSocket that trusts the profile's CA and presents its client certificate. */
async function trustingWebSocket(tls: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<NonNullable<ConnectionOptions["WebSocket"]>> {
  const { default: WebSocket } = await import("ws");
  class ProfileWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, tls);
    }
  }
  return ProfileWebSocket as unknown as NonNullable<ConnectionOptions["WebSocket"]>;
}

/** The credentials of the active profile: a token (or a file read at each authentication), or a user. */
function profileAuth(): ConnectionOptions["auth"] {
  const p = activeProfile()?.profile;
  if (!p) return undefined;
  if (p.tokenFile) {
    const file = p.tokenFile;
    return { tokenProvider: () => readFileSync(file, "utf8").trim() };
  }
  if (p.token) return { token: p.token };
  if (p.username && p.password !== undefined) return { username: p.username, password: p.password, mechanism: "SCRAM-SHA-256" };
  return undefined;
}

/** What the active profile adds to a connection: its credentials, and a WebSocket trusting its TLS files. */
export async function profileConnectionOptions(): Promise<Pick<ConnectionOptions, "auth" | "WebSocket">> {
  const out: Pick<ConnectionOptions, "auth" | "WebSocket"> = {};
  const tls = profileTls();
  if (tls) out.WebSocket = await trustingWebSocket(tls);
  const auth = profileAuth();
  if (auth) out.auth = auth;
  return out;
}

/**
 * Cluster mode: when the broker `client` reached is part of a cluster (its METADATA lists brokers), a
 * cluster client over every --broker URL, so produce and reads go to each partition's leader and follow
 * leadership changes (docs/cluster.md). A single broker: undefined (the command uses `client` as before).
 */
export async function clusterFor(client: RivuletClient, given: string | undefined, requestTimeoutMs: number): Promise<RivuletCluster | undefined> {
  const meta = await client.admin.clusterMetadata([]).catch(() => undefined);
  if (!meta?.brokers.length) return undefined;
  const urls = [...new Set([client.connection.url, ...brokerUrls(given)])];
  return connectCluster({ urls, requestTimeoutMs, connectTimeoutMs: Math.min(requestTimeoutMs, 10_000), ...(await profileConnectionOptions()) });
}
