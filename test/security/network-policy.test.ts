// Protected mode and Origin rules, as pure functions: every form an address or an origin takes on the wire.
import { describe, expect, it } from "vitest";
import { compileOriginRule, isLoopbackAddress, NetworkPolicy, normalizeAddress } from "../../src/security/network-policy.js";

describe("addresses", () => {
  it("recognises loopback in every textual form uWS and node:net report", () => {
    for (const a of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "0000:0000:0000:0000:0000:ffff:7f00:0001", "0000:0000:0000:0000:0000:0000:0000:0001"]) {
      expect([a, isLoopbackAddress(a)]).toEqual([a, true]);
    }
    for (const a of ["192.0.2.2", "::ffff:192.0.2.2", "0000:0000:0000:0000:0000:ffff:c000:0202", "10.0.0.1", "fe80::1", "::", "", "localhost", "128.0.0.1", "::2"]) {
      expect([a, isLoopbackAddress(a)]).toEqual([a, false]);
    }
    expect(isLoopbackAddress(undefined)).toBe(false);
  });

  it("normalises IPv4-mapped IPv6 to dotted IPv4", () => {
    expect(normalizeAddress("0000:0000:0000:0000:0000:ffff:c000:0202")).toBe("192.0.2.2");
    expect(normalizeAddress("::FFFF:192.0.2.2")).toBe("192.0.2.2");
    expect(normalizeAddress("2001:0db8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
  });
});

describe("protected mode", () => {
  it("serves loopback only when nothing authenticates and nobody opted out", () => {
    const p = new NetworkPolicy();
    expect(p.protectedMode).toBe(true);
    expect(p.admitsPeer("127.0.0.1")).toBe(true);
    expect(p.admitsPeer("192.0.2.2")).toBe(false);
    expect(p.admitsPeer(undefined)).toBe(false);
  });

  it("is off with authentication or --allow-unauthenticated", () => {
    expect(new NetworkPolicy({ authenticationRequired: true }).admitsPeer("192.0.2.2")).toBe(true);
    expect(new NetworkPolicy({ allowUnauthenticated: true }).admitsPeer("192.0.2.2")).toBe(true);
  });
});

describe("browser origins", () => {
  const host = "broker.example:8080";

  it("admits non-browser clients (no Origin), same-origin pages and loopback pages by default", () => {
    const p = new NetworkPolicy();
    expect(p.admitsOrigin(undefined, host)).toBe(true);
    expect(p.admitsOrigin("", host)).toBe(true);
    expect(p.admitsOrigin("https://broker.example:8080", host)).toBe(true);
    expect(p.admitsOrigin("http://localhost:5173", host)).toBe(true);
    expect(p.admitsOrigin("http://127.0.0.1:3000", host)).toBe(true);
    expect(p.admitsOrigin("http://[::1]:3000", host)).toBe(true);
  });

  it("refuses foreign pages, null origins and look-alikes by default", () => {
    const p = new NetworkPolicy();
    for (const origin of ["https://evil.example", "null", "https://broker.example", "https://broker.example:8081", "http://localhost.evil.example", "https://127.0.0.1.evil.example", "garbage"]) {
      expect([origin, p.admitsOrigin(origin, host)]).toEqual([origin, false]);
    }
  });

  it("admits exact origins and *.domain patterns from --allowed-origins, nothing more", () => {
    const p = new NetworkPolicy({ allowedOrigins: ["https://app.example.com", "*.corp.example", "https://*.shop.example:8443"] });
    expect(p.admitsOrigin("https://app.example.com", host)).toBe(true);
    expect(p.admitsOrigin("http://app.example.com", host)).toBe(false);
    expect(p.admitsOrigin("https://app.example.com:444", host)).toBe(false);
    expect(p.admitsOrigin("https://a.corp.example", host)).toBe(true);
    expect(p.admitsOrigin("http://b.a.corp.example:9000", host)).toBe(true);
    expect(p.admitsOrigin("https://corp.example", host)).toBe(false);
    expect(p.admitsOrigin("https://evilcorp.example", host)).toBe(false);
    expect(p.admitsOrigin("https://x.shop.example:8443", host)).toBe(true);
    expect(p.admitsOrigin("https://x.shop.example", host)).toBe(false);
    expect(p.admitsOrigin("http://x.shop.example:8443", host)).toBe(false);
  });

  it("answers CORS with the origin itself, never a wildcard", () => {
    const p = new NetworkPolicy({ allowedOrigins: ["*"] });
    expect(p.corsOrigin("https://anything.example", host)).toBe("https://anything.example");
    expect(new NetworkPolicy().corsOrigin("https://evil.example", host)).toBeUndefined();
    expect(new NetworkPolicy().corsOrigin(undefined, host)).toBeUndefined();
  });

  it("rejects --allowed-origins entries that can never match", () => {
    expect(() => compileOriginRule("app.example.com/path")).toThrow(/allowed-origins/);
    expect(() => compileOriginRule("https://")).toThrow(/allowed-origins/);
  });
});
