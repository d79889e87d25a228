// `consume --template` (kcat's -f), `--to` stop points and `--print-offsets`, run as a user runs them,
// and the template checked byte for byte against kcat's own -f output of the same records.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runProcess } from "../helpers/run-process.js";
import { connect } from "../../src/client/index.js";
import { compileTemplate } from "../../src/cli/template.js";
import { inProcessServers } from "../helpers/in-process-servers.js";

const cli = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const { start } = inProcessServers("consume-out");
const kcatAvailable = spawnSync("kcat", ["-V"], { stdio: "ignore" }).status === 0;

const run = (file: string, args: string[]) => runProcess(file, args);

describe("rivulet consume output", () => {
  it("prints a kcat template, stops at --to offsets and times, and reports where it stopped", async () => {
    const server = await start({});
    const client = await connect({ url: `ws://127.0.0.1:${server.port}/ws` });
    await client.admin.createTopic("tpl", { partitions: 1 });
    const producer = client.producer({ acks: "all" });
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 6; i++) {
      await producer.send({ topic: "tpl", partition: 0, key: i % 2 ? `k${i}` : null, value: `v${i}`, headers: i === 1 ? [{ key: "h", value: "x" }, { key: "g", value: "y" }] : [], timestamp: t0 + i * 1000 });
    }
    client.close();
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    const template = "%t|%p|%o|%T|%k|%K|%s|%S|%h\\n";

    const all = await run(process.execPath, [cli, "consume", "tpl", ...broker, "--template", template]);
    expect(all.code, all.stderr).toBe(0);
    const lines = all.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`tpl|0|0|${t0}||-1|v0|2|`);
    expect(lines[1]).toBe(`tpl|0|1|${t0 + 1000}|k1|2|v1|2|h=x,g=y`);
    expect(lines).toHaveLength(6);

    const upTo = await run(process.execPath, [cli, "consume", "tpl", ...broker, "--template", "%o\\n", "--to", "3", "--print-offsets"]);
    expect(upTo.stdout).toBe("0\n1\n2\n");
    expect(JSON.parse(upTo.stderr.trim())).toEqual({ topic: "tpl", offsets: { "0": "3" } });

    const byTime = await run(process.execPath, [cli, "consume", "tpl", ...broker, "--template", "%o\\n", "--from", "1", "--to", `@${t0 + 4000}`]);
    expect(byTime.stdout).toBe("1\n2\n3\n");

    if (kcatAvailable && server.kafkaPort > 0) {
      // The same template through kcat (librdkafka) gives the same bytes.
      const viaKcat = await run("kcat", ["-b", `127.0.0.1:${server.kafkaPort}`, "-C", "-t", "tpl", "-p", "0", "-o", "beginning", "-e", "-q", "-f", "%t|%p|%o|%k|%K|%s|%S\\n"]);
      const mine = await run(process.execPath, [cli, "consume", "tpl", ...broker, "--template", "%t|%p|%o|%k|%K|%s|%S\\n"]);
      expect(mine.stdout).toBe(viaKcat.stdout);
    }
  });

  it("refuses unknown tokens and contradictory flags with one line", async () => {
    expect(() => compileTemplate("%q")).toThrow(/unknown token %q/);
    expect(() => compileTemplate("abc%")).toThrow(/lone '%'/);
    const r = await run(process.execPath, [cli, "consume", "t", "--to", "5", "--follow"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to and --follow/);
  });
});

describe("rivulet topics --json", () => {
  it("lists and describes topics as JSON for scripts", async () => {
    const server = await start({ kafkaPort: -1 });
    await server.broker.createTopic("js-b", { partitions: 2, configs: { "retention.ms": "60000" } });
    await server.broker.createTopic("js-a", { partitions: 1 });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    const listed = JSON.parse((await run(process.execPath, [cli, "topics", "list", ...broker, "--json"])).stdout) as string[];
    expect(listed.filter((n) => n.startsWith("js-"))).toEqual(["js-a", "js-b"]);
    const described = JSON.parse((await run(process.execPath, [cli, "topics", "describe", "js-b", ...broker, "--json"])).stdout);
    expect(described.partitions).toEqual([
      { partition: 0, logStartOffset: "0", logEndOffset: "0" },
      { partition: 1, logStartOffset: "0", logEndOffset: "0" },
    ]);
    expect(described.configs["retention.ms"]).toEqual({ value: "60000", source: "topic" });
  });
});

describe("rivulet topics alter", () => {
  it("sets and removes overrides, keeps the others, and refuses bad values with one line", async () => {
    const server = await start({ kafkaPort: -1 });
    await server.broker.createTopic("alt", { partitions: 1, configs: { "retention.ms": "60000", "cleanup.policy": "delete" } });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    const altered = await run(process.execPath, [cli, "topics", "alter", "alt", ...broker, "--config", "retention.bytes=1048576", "--delete-config", "retention.ms"]);
    expect(altered.code, altered.stderr).toBe(0);
    expect(server.broker.topic("alt")!.configs).toEqual({ "cleanup.policy": "delete", "retention.bytes": "1048576" });
    const bad = await run(process.execPath, [cli, "topics", "alter", "alt", ...broker, "--config", "retention.ms=soon"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/retention\.ms/);
    expect(server.broker.topic("alt")!.configs).toEqual({ "cleanup.policy": "delete", "retention.bytes": "1048576" });
    const unknown = await run(process.execPath, [cli, "topics", "alter", "nope", ...broker, "--config", "retention.ms=1"]);
    expect(unknown.stderr).toMatch(/unknown topic 'nope'/);
  });
});
