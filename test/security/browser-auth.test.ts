// The browser client in Chromium authenticating: a JWT (tokenProvider) and SCRAM-SHA-256 over the page's
// WebCrypto, then producing and consuming under ACLs; a forged token and no AUTH at all are refused.
// Skipped only when /usr/bin/chromium is missing outside CI.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chromiumAvailable as available, launchChromium, type ChromiumTab } from "../helpers/chromium.js";
import { Operation, PatternType, Permission, ResourceType } from "../../src/security/index.js";
import { wsServers, type TestServer } from "../helpers/ws-server.js";
import { makeKeys, sign, type TestKeys } from "./keys.js";

const env = wsServers();
let srv: TestServer;
let keys: TestKeys;
let pageServer: Server;
let browser: ChromiumTab | undefined;
let page: Page;
const dirs: string[] = [];

beforeAll(async () => {
  if (!available) return;
  const keyDir = mkdtempSync(join(tmpdir(), "rivulet-browser-keys-"));
  dirs.push(keyDir);
  keys = makeKeys(keyDir);
  srv = await env.start({ security: { requireAuthentication: true, jwt: { keyFile: keys.files.ecPem, audience: "web" }, authorizer: "acl" } });
  await srv.server.security.users.setPassword("carol", "carol-pw", ["SCRAM-SHA-256"]);
  srv.server.security.acls.add(
    [Operation.ALL].flatMap((operation) => ["User:browser-user", "User:carol"].map((principal) => ({ resourceType: ResourceType.TOPIC, resourceName: "web-", patternType: PatternType.PREFIXED, principal, host: "*", operation, permission: Permission.ALLOW }))),
  );
  pageServer = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>auth</title>"));
  await new Promise<void>((resolve) => pageServer.listen(0, "127.0.0.1", resolve));
  browser = await launchChromium({ profilePrefix: "rivulet-chromium-auth-", consoleErrors: false });
  page = browser.page;
  await page.goto(`http://127.0.0.1:${(pageServer.address() as { port: number }).port}`);
  await page.addScriptTag({ type: "module", content: `import * as rivulet from "http://127.0.0.1:${srv.port}/client/index.js"; window.rivulet = rivulet;` });
  await page.waitForFunction(() => "rivulet" in window, undefined, { timeout: 10_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!available)("browser client authentication (Chromium)", () => {
  it("authenticates with a JWT from a tokenProvider, then produces and consumes under its ACLs", async () => {
    const token = await sign(keys, "ES256", { sub: "browser-user", aud: "web" }, { expiresInSec: 600 });
    const result = await page.evaluate(
      async ({ url, token }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const m = (window as any).rivulet;
        const client = await m.connect({ url, auth: { tokenProvider: async () => token } });
        await client.admin.createTopic("web-events", { partitions: 1 });
        await client.producer().send({ topic: "web-events", value: "from the browser" });
        const consumer = client.consumer({ topic: "web-events", from: "earliest" });
        const r = await consumer.next();
        await consumer.close();
        let denied = "";
        try {
          await client.admin.createTopic("not-mine", { partitions: 1 });
        } catch (e) {
          denied = (e as { code: string }).code;
        }
        const principal = client.connection.principal;
        client.close();
        return { principal, value: new TextDecoder().decode(r.value), denied };
      },
      { url: `ws://127.0.0.1:${srv.port}/ws`, token },
    );
    expect(result).toEqual({ principal: "User:browser-user", value: "from the browser", denied: "TOPIC_AUTHORIZATION_FAILED" });
  });

  it("authenticates with SCRAM-SHA-256 over WebCrypto", async () => {
    const result = await page.evaluate(async (url) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const m = (window as any).rivulet;
      const client = await m.connect({ url, auth: { username: "carol", password: "carol-pw", mechanism: "SCRAM-SHA-256" } });
      const topics = await client.admin.listTopics();
      client.close();
      return { principal: client.connection.principal, topics };
    }, `ws://127.0.0.1:${srv.port}/ws`);
    expect(result.principal).toBe("User:carol");
    expect(result.topics).toEqual(["web-events"]);
  });

  it("refuses a forged token and a client that does not authenticate", async () => {
    const good = await sign(keys, "ES256", { sub: "browser-user", aud: "web" }, { expiresInSec: 600 });
    const forged = `${good.split(".")[0]}.${Buffer.from(JSON.stringify({ sub: "admin", aud: "web", exp: 9999999999 })).toString("base64url")}.${good.split(".")[2]}`;
    const result = await page.evaluate(
      async ({ url, forged }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const m = (window as any).rivulet;
        const outcome = async (options: object) => {
          try {
            const c = await m.connect({ url, reconnect: false, ...options });
            await c.admin.listTopics();
            c.close();
            return "accepted";
          } catch (e) {
            return (e as { code?: string; closeCode?: number }).closeCode ?? (e as { code: string }).code;
          }
        };
        return { forged: await outcome({ auth: { token: forged } }), none: await outcome({}) };
      },
      { url: `ws://127.0.0.1:${srv.port}/ws`, forged },
    );
    expect(result).toEqual({ forged: "SASL_AUTHENTICATION_FAILED", none: 4011 });
  });
});
