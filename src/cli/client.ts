// What every client command shares: the --broker flag and a connection that fails with one clear line.

import { connect, type RivuletClient } from "../client/index.js";
import { diagnoseBrokerUrl } from "./diagnose.js";
import { CliError, UsageError } from "./errors.js";

export const DEFAULT_BROKER = "ws://127.0.0.1:8080/ws";

export const brokerFlags = {
  broker: { kind: "string", description: "broker WebSocket URL (host:port is short for ws://host:port/ws)", default: DEFAULT_BROKER, env: "RIVULET_BROKER", placeholder: "URL" },
} as const;

/** Accepts a full ws:// or wss:// URL, or host:port. */
export function brokerUrl(given: string): string {
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

/**
 * Connects to the broker. `reconnect` is for long-running commands (consume --follow): a one-shot command
 * should fail fast rather than wait for a broker that is not there.
 */
export async function connectBroker(given: string, options: { reconnect?: boolean } = {}): Promise<RivuletClient> {
  const url = brokerUrl(given);
  try {
    return await connect({ url, reconnect: options.reconnect ? { maxAttempts: 10 } : false });
  } catch {
    throw new CliError(`cannot connect to the broker at ${url}: ${await diagnoseBrokerUrl(url)}`);
  }
}

/** Runs `body` with a connected client and closes it afterwards, whatever happens. */
export async function withClient<T>(given: string, body: (client: RivuletClient) => Promise<T>, options: { reconnect?: boolean } = {}): Promise<T> {
  const client = await connectBroker(given, options);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}
