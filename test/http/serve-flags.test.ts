// `rivulet serve --metrics-detail`: the flag reaches /metrics (per-subscription series only when asked), a
// bad value is a usage error (exit 2), and /readyz answers for a served broker.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { parseExposition } from "./prometheus.js";

const cli = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rivulet-serve-flags-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function serve(args: string[]): Promise<{ http: string; ws: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cli, "serve", "--port", "0", "--kafka-port", "-1", "--shards", "1", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
      const line = err.split("\n").find((l) => l.includes('"rivulet listening"'));
      if (line) resolve({ ...(JSON.parse(line) as { http: string; ws: string }), child });
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe("serve --metrics-detail", () => {
  it("subscriptions adds per-subscription series; the default does not; a bad value exits 2", async () => {
    const bad = await promisify(execFile)(process.execPath, [cli, "serve", "--metrics-detail", "everything", "--data-dir", join(dir, "bad")]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/metrics-detail/);

    for (const [args, detailed] of [[["--metrics-detail", "subscriptions"], true], [[], false]] as const) {
      const { http, ws, child } = await serve([...args, "--data-dir", join(dir, String(detailed))]);
      const client = await connect({ url: ws });
      await client.admin.createTopic("t", { partitions: 1 });
      await client.consumer({ topic: "t", from: "earliest" }).start();
      const families = parseExposition(await (await fetch(`${http}/metrics`)).text());
      expect(families.some((f) => f.name === "rivulet_subscriber_lag_records")).toBe(detailed);
      expect(families.find((f) => f.name === "rivulet_subscriptions")!.samples).toEqual([{ name: "rivulet_subscriptions", labels: { topic: "t" }, value: 1 }]);
      expect((await fetch(`${http}/readyz`)).status).toBe(200);
      client.close();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  }, 60_000);
});

describe("serve --transport", () => {
  it("node serves the same protocol and says so in its start-up line and /metrics; RIVULET_TRANSPORT works too; a bad name exits 2", async () => {
    const bad = await promisify(execFile)(process.execPath, [cli, "serve", "--transport", "fast", "--data-dir", join(dir, "bad-transport")]).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/transport/);

    const { http, ws, child, transport } = (await serve(["--transport", "node", "--data-dir", join(dir, "transport-node")])) as Awaited<ReturnType<typeof serve>> & { transport: string };
    expect(transport).toBe("node");
    const client = await connect({ url: ws });
    await client.admin.createTopic("t", { partitions: 1 });
    expect((await client.producer({ acks: "all" }).send({ topic: "t", partition: 0, value: "v" })).offset).toBe(0n);
    const info = parseExposition(await (await fetch(`${http}/metrics`)).text()).find((f) => f.name === "rivulet_build_info")!;
    expect(info.samples[0]!.labels.transport).toBe("node");
    client.close();
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);

    const before = process.env.RIVULET_TRANSPORT;
    process.env.RIVULET_TRANSPORT = "node";
    try {
      const fromEnv = (await serve(["--data-dir", join(dir, "transport-env")])) as Awaited<ReturnType<typeof serve>> & { transport: string };
      expect(fromEnv.transport).toBe("node");
      fromEnv.child.kill("SIGTERM");
    } finally {
      if (before === undefined) delete process.env.RIVULET_TRANSPORT;
      else process.env.RIVULET_TRANSPORT = before;
    }
  }, 60_000);
});
