// Who reaches a broker that has no authentication configured: protected mode refuses non-loopback peers on
// both front ends (checked from a second host in a network namespace), --allow-unauthenticated opens the
// network, browser Origins are checked on upgrade and for CORS, and /metrics can require a token.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { memoryLogger } from "../../src/log.js";
import { inProcessServers } from "../helpers/in-process-servers.js";
import { createTestHost, HOST_ADDRESS, netnsAvailable, type TestHost } from "../helpers/netns.js";

const { start, tempDir, adopt } = inProcessServers("sec");

/** Opens a WebSocket with an Origin header; resolves with "open" or the HTTP status of the refusal. */
function openWith(url: string, origin?: string): Promise<string | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on("open", () => {
      ws.close();
      resolve("open");
    });
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", (e) => resolve(e.message));
  });
}

const probe = fileURLToPath(new URL("./peer-probe.mjs", import.meta.url));

describe.skipIf(!netnsAvailable)("protected mode, from another host (network namespace)", () => {
  let host: TestHost;
  afterAll(() => host?.remove());
  beforeAll(() => {
    host = createTestHost();
  });

  it("refuses a non-loopback peer on HTTP, WebSocket and Kafka, and serves it with --allow-unauthenticated", async (ctx) => {
    const logger = memoryLogger();
    const guarded = await start({ host: "0.0.0.0", logger });
    if (!host.reachesHost(guarded.port)) {
      console.warn("skipped: this machine creates network namespaces but forwards no traffic between them");
      return ctx.skip();
    }
    expect(guarded.policy.protectedMode).toBe(true);
    // The peer tries three times: each is refused, and each door says so once (src/refusal-log.ts).
    const probes = [1, 2, 3].map(() => JSON.parse(host.run(process.execPath, [probe, HOST_ADDRESS, String(guarded.port), String(guarded.kafkaPort)]).stdout));
    for (const again of probes) expect(again).toMatchObject({ http: { status: 403 }, ws: { status: 403 }, kafka: { answered: false } });
    const refusals = logger.entries.filter((e) => e.level === "warn" && /refused: protected mode/.test(e.msg)).map((e) => `${e.msg.split(" ")[0]} ${String(e.remote)}`);
    expect(refusals.sort()).toEqual([`kafka ${HOST_ADDRESS}`, `websocket ${HOST_ADDRESS}`]);
    const refused = probes[0];
    expect(refused.http.status).toBe(403);
    expect(refused.http.body).toMatch(/protected mode/);
    expect(refused.ws.status).toBe(403);
    expect(refused.kafka.answered).toBe(false);
    // The same broker still serves loopback clients.
    expect(await openWith(`ws://127.0.0.1:${guarded.port}/ws`)).toBe("open");

    const open = await start({ host: "0.0.0.0", allowUnauthenticated: true });
    expect(open.policy.protectedMode).toBe(false);
    const served = JSON.parse(host.run(process.execPath, [probe, HOST_ADDRESS, String(open.port), String(open.kafkaPort)]).stdout);
    expect(served.http.status).toBe(200);
    expect(served.ws.opened).toBe(true);
    expect(served.kafka.answered).toBe(true);
  });

  it("binds loopback by default, so another host cannot even connect", async (ctx) => {
    const server = await start({});
    const probeServer = await start({ host: "0.0.0.0", allowUnauthenticated: true });
    if (!host.reachesHost(probeServer.port)) return ctx.skip();
    const result = JSON.parse(host.run(process.execPath, [probe, HOST_ADDRESS, String(server.port), String(server.kafkaPort)]).stdout);
    expect(result.http.error).toBeDefined();
    expect(result.kafka.answered).toBe(false);
  });
});

describe("browser origins", () => {
  it("refuses a WebSocket upgrade from a foreign page and admits loopback, same-origin and listed pages", async () => {
    const server = await start({ allowedOrigins: ["https://app.example.com", "*.corp.example"] });
    const url = `ws://127.0.0.1:${server.port}/ws`;
    expect(await openWith(url)).toBe("open"); // not a browser
    expect(await openWith(url, "https://evil.example")).toBe(403);
    expect(await openWith(url, "null")).toBe(403);
    expect(await openWith(url, "http://localhost:5173")).toBe("open");
    expect(await openWith(url, `http://127.0.0.1:${server.port}`)).toBe("open");
    expect(await openWith(url, "https://app.example.com")).toBe("open");
    expect(await openWith(url, "https://team.corp.example")).toBe("open");
    expect(await openWith(url, "https://app.example.com.evil.example")).toBe(403);
  });

  // A hostile page can retry its refused upgrade in a loop: that must not flood the broker's log (a full
  // disk, or journald dropping the service's lines for a while), and the broker keeps serving everyone else.
  it.each(["uws", "node"] as const)("a foreign page retrying its refused upgrade 40 times is one warning (%s transport), and others are served", async (transport) => {
    const logger = memoryLogger();
    const server = await start({ transport, logger, allowedOrigins: ["https://app.example.com"] });
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const refused = await Promise.all(Array.from({ length: 40 }, () => openWith(url, "https://evil.example")));
    expect(new Set(refused)).toEqual(new Set([403]));
    expect(await openWith(url, "https://app.example.com")).toBe("open");
    const warnings = logger.entries.filter((e) => e.msg === "websocket refused: origin not allowed");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: "warn", remote: "127.0.0.1", origin: "https://evil.example" });
  });

  it("answers CORS on the HTTP endpoints by the same list", async () => {
    const server = await start({ allowedOrigins: ["https://app.example.com"] });
    const get = (origin: string) => fetch(`http://127.0.0.1:${server.port}/healthz`, { headers: { Origin: origin } });
    expect((await get("https://app.example.com")).headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const foreign = await get("https://evil.example");
    expect(foreign.status).toBe(200); // a simple GET is answered, but the page may not read it
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("/metrics token", () => {
  it("requires the bearer token when one is configured", async () => {
    const server = await start({ metricsToken: "s3cret-token" });
    const url = `http://127.0.0.1:${server.port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { Authorization: "Bearer wrong-token!" } })).status).toBe(401);
    const ok = await fetch(url, { headers: { Authorization: "Bearer s3cret-token" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/rivulet_/);
  });
});
