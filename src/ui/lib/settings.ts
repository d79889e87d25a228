// Where the console connects and with what credentials. Defaults to the broker that served the page; the
// settings panel can point it at another one (whose /metrics must then allow this origin). The token is
// kept for the session only (sessionStorage) and handed to every connection: this is the seam where a
// login step plugs in once the broker authenticates WebSocket clients (see docs/console.md).

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

/** The client's `auth` option for the settings' token: sent in the AUTH frame, as browsers cannot set headers. */
export function authOf(settings: Settings): { token: string } | undefined {
  return settings.token ? { token: settings.token } : undefined;
}

/** fetch() for broker HTTP endpoints (/metrics), with the token as a bearer header when set. */
export function brokerFetch(settings: Settings, path: string): Promise<Response> {
  return fetch(httpBase(settings) + path, { headers: settings.token ? { Authorization: `Bearer ${settings.token}` } : {}, cache: "no-store" });
}
