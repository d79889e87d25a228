// Who may reach the broker at all, before any authentication: protected mode and browser Origins.
//
// Protected mode (as Redis's): with no authentication configured and no explicit --allow-unauthenticated,
// only loopback peers are served, on both front ends; anyone else is refused at connect (Kafka: the
// socket is closed; HTTP and WebSocket upgrades: 403 with a line saying why). Origins: a browser page
// may open a WebSocket (or read an HTTP endpoint through CORS) only if its Origin is the broker's own
// (same-origin), a loopback page, or on the --allowed-origins list. Non-browser clients send no Origin and
// are governed by protected mode and authentication instead.
//
// Pure functions and a small class: no sockets here, so the rules are unit-tested exhaustively.

export interface NetworkPolicyOptions {
  /** Authentication is configured on the listeners (SASL, JWT, mTLS): protected mode does not apply. */
  authenticationRequired?: boolean;
  /** Serve non-loopback peers without authentication (an explicit opt-out of protected mode). */
  allowUnauthenticated?: boolean;
  /**
   * Browser origins allowed besides same-origin and loopback pages: exact origins
   * (`https://app.example.com`, `http://localhost:3000`), host patterns (`https://*.example.com`,
   * `*.example.com`: any subdomain, any scheme when none is given), or `*` (any page: not recommended).
   */
  allowedOrigins?: readonly string[];
}

/** The eight 16-bit groups of an IPv6 address in any textual form (with or without ::, zeros, a v4 tail). */
function ipv6Groups(text: string): number[] | undefined {
  let a = text;
  const v4Tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (v4Tail) {
    const [b0, b1, b2, b3] = v4Tail.slice(1).map(Number) as [number, number, number, number];
    a = `${a.slice(0, v4Tail.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const halves = a.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)) : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0) ? groups : undefined;
}

/**
 * An address as text in its plain form: IPv4 dotted (also for IPv4-mapped IPv6, as uWebSockets.js reports
 * `0000:…:ffff:7f00:0001`), IPv6 otherwise; anything unparsable is returned lower-cased as given.
 */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, "");
  if (!a.includes(":")) return a;
  const g = ipv6Groups(a);
  if (!g) return a;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  return g.map((x) => x.toString(16)).join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms, in any textual form. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = normalizeAddress(address);
  if (a.includes(":")) return a === "::1";
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

interface ParsedOrigin {
  scheme: string;
  host: string;
  /** host[:port] as written in the Origin header. */
  authority: string;
}

function parseOrigin(origin: string): ParsedOrigin | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[^/:?#]+)(?::(\d+))?$/i.exec(origin.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const host = match[2]!.toLowerCase();
  return { scheme, host, authority: match[3] ? `${host}:${match[3]}` : host };
}

type OriginRule = (origin: ParsedOrigin, raw: string) => boolean;

/** Compiles one --allowed-origins entry; throws a clear error for an entry that can never match. */
export function compileOriginRule(entry: string): OriginRule {
  const text = entry.trim().toLowerCase();
  if (text === "*") return () => true;
  if (text === "null") return (_o, raw) => raw === "null";
  const pattern = /^(?:([a-z][a-z0-9+.-]*):\/\/)?\*\.([a-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (pattern) {
    const [, scheme, suffix, port] = pattern;
    return (o) =>
      (!scheme || o.scheme === scheme) &&
      o.host.endsWith(`.${suffix}`) &&
      (port === undefined || o.authority === `${o.host}:${port}`);
  }
  const exact = parseOrigin(text);
  if (!exact) throw new Error(`--allowed-origins: '${entry}' is neither an origin (scheme://host[:port]), a pattern (*.example.com) nor *`);
  return (o) => o.scheme === exact.scheme && o.authority === exact.authority;
}

export class NetworkPolicy {
  /** True when only loopback peers are served (no authentication and no explicit opt-out). */
  readonly protectedMode: boolean;
  private readonly originRules: OriginRule[];

  constructor(readonly options: NetworkPolicyOptions = {}) {
    this.protectedMode = !options.authenticationRequired && !options.allowUnauthenticated;
    this.originRules = (options.allowedOrigins ?? []).filter((o) => o.trim() !== "").map(compileOriginRule);
  }

  /** May a peer at this address connect at all? */
  admitsPeer(remoteAddress: string | undefined): boolean {
    return !this.protectedMode || isLoopbackAddress(remoteAddress);
  }

  /**
   * May a page from `origin` talk to this broker? `host` is the request's Host header (same-origin check).
   * No Origin header (not a browser) is admitted: such clients face protected mode and authentication.
   */
  admitsOrigin(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || origin === "") return true;
    const parsed = parseOrigin(origin);
    if (parsed) {
      if (host && parsed.authority === host.toLowerCase()) return true;
      if (LOOPBACK_HOSTS.has(parsed.host) || isLoopbackAddress(parsed.host)) return true;
    }
    const target = parsed ?? { scheme: "", host: "", authority: "" };
    return this.originRules.some((rule) => rule(target, origin.trim().toLowerCase()));
  }

  /** The Access-Control-Allow-Origin value for a request from `origin`, or undefined (no CORS access). */
  corsOrigin(origin: string | undefined, host: string | undefined): string | undefined {
    if (!origin) return undefined;
    return this.admitsOrigin(origin, host) ? origin : undefined;
  }

  /** One line for the start-up log: what this policy lets in. */
  describe(): Record<string, unknown> {
    return {
      protectedMode: this.protectedMode,
      peers: this.protectedMode ? "loopback only (no authentication configured; --allow-unauthenticated opens the network)" : "any",
      browserOrigins: ["same-origin", "loopback pages", ...(this.options.allowedOrigins ?? [])],
    };
  }
}
