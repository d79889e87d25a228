// The README's client example, run as a user runs it (a module importing "rivulet/client", resolved through
// package.json's exports to dist/), twice in a row against one broker: the second run must not fail with
// TOPIC_ALREADY_EXISTS. EXAMPLE is read from the README itself; only the URL is substituted.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { wsServers } from "../helpers/ws-server.js";

const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
/** The first JavaScript block of the README's client section, as a user would paste it. */
export const EXAMPLE = (() => {
  const section = readme.slice(readme.indexOf("## The client"));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error("README.md has no js block in its client section");
  return match[1];
})();

const root = fileURLToPath(new URL("../..", import.meta.url));
const env = wsServers();
const run = promisify(execFile);

describe("the README's client example", () => {
  it("runs twice in a row (createTopic with ifNotExists), and a plain create still reports TOPIC_ALREADY_EXISTS", async () => {
    const srv = await env.start();
    const script = EXAMPLE.replace("ws://127.0.0.1:8080/ws", srv.url);
    const outputs: string[] = [];
    for (let i = 0; i < 2; i++) {
      // Asynchronously: the broker runs in this process and must keep answering.
      const result = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 30_000 });
      expect(result.stderr).toBe("");
      outputs.push(result.stdout);
    }
    // Both runs stored a record on the one partition "customer-7" maps to: offsets 0 then 1.
    expect(outputs[0]).toMatch(/^stored at orders-(\d)@0\n\1 0n first order\n$/);
    expect(outputs[1]).toMatch(/^stored at orders-(\d)@1\n\1 0n first order\n$/);
    const client = await env.client(srv.url);
    expect(await client.admin.createTopic("orders", { partitions: 3, ifNotExists: true })).toBe(false);
    expect(await client.admin.createTopic("fresh", { ifNotExists: true })).toBe(true);
    await expect(client.admin.createTopic("orders", { partitions: 3 })).rejects.toMatchObject({ code: "TOPIC_ALREADY_EXISTS" });
    expect((await client.admin.metadata(["orders"]))[0]!.partitions).toHaveLength(3);
  });
});
