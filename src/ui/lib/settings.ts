// Where the console connects and with what credentials. Defaults to the broker that served the page; the
// settings panel can point it at another one (whose /metrics must then allow this origin). The token is
// kept for the session only (sessionStorage) and handed to every connection. A user name and password
// (signing in from the console: SCRAM over WebCrypto, or PLAIN) are never stored anywhere: they live in
// the page's memory for as long as it is open (reconnects authenticate again with them), until sign-out.

import type { AuthOptions } from "../../client/index.js";

export interface Settings {
  /** http(s)://host:port of the broker; "" = the page's own origin. */
  brokerUrl: string;
  /** Bearer token, or "" for none. */
  token: string;
}

const KEY = "rivulet.console.settings";

export function loadSettings(): Settings {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY) ?? "{}") as Partial<Settings>;
    return { brokerUrl: stored.brokerUrl ?? "", token: stored.token ?? "" };
  } catch {
    return { brokerUrl: "", token: "" };
  }
}

export function saveSettings(settings: Settings): void {
  // The URL survives the browser session; the token does not.
  localStorage.setItem(KEY, JSON.stringify({ brokerUrl: settings.brokerUrl }));
  sessionStorage.setItem(KEY, JSON.stringify(settings));
}

export function httpBase(settings: Settings): string {
  return (settings.brokerUrl || location.origin).replace(/\/+$/, "");
}

/** The WebSocket URL (the token is not in it: it goes in the AUTH frame, see authOf). */
export function wsUrl(settings: Settings): string {
  return new URL("/ws", httpBase(settings).replace(/^http/, "ws")).toString();
}

/** A user signing in from the console: held in memory only (never in localStorage or sessionStorage). */
export interface Credentials {
  username: string;
  password: string;
  mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512" | "PLAIN";
}

export const MECHANISMS: Credentials["mechanism"][] = ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"];

/**
 * The client's `auth` option: the signed-in user's credentials (an AUTH exchange, SCRAM over WebCrypto),
 * else the settings' token (the AUTH frame, as browsers cannot set headers), else none.
 */
export function authOf(settings: Settings, credentials?: Credentials): AuthOptions | undefined {
  if (credentials) return { username: credentials.username, password: credentials.password, mechanism: credentials.mechanism };
  return settings.token ? { token: settings.token } : undefined;
}

/** fetch() for broker HTTP endpoints (/metrics), with the token as a bearer header when set. */
export function brokerFetch(settings: Settings, path: string): Promise<Response> {
  return fetch(httpBase(settings) + path, { headers: settings.token ? { Authorization: `Bearer ${settings.token}` } : {}, cache: "no-store" });
}
