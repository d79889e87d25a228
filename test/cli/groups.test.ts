// `rivulet groups list|describe|reset-offsets|delete`, run as built (node dist/cli/main.js, in a child
// process) against a real server, with groups made by `rivulet consume --group` and by the client.
// Needs `npm run build:ts` first.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type RunResult } from "../helpers/run-process.js";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { startServer, type RivuletServer } from "../../src/server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");

function run(args: string[], options: { input?: string } = {}): Promise<RunResult> {
  return runCli(args, { cwd: root, input: options.input ?? "", env: { RIVULET_BROKER: broker } });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: RivuletServer;
let broker = "";
let client: RivuletClient;
let dataDir = "";

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build:ts' first`);
  dataDir = mkdtempSync(join(tmpdir(), "rivulet-cli-groups-"));
  // No initial rebalance delay: a lone group member is assigned at once.
  server = await startServer({ dataDir, host: "127.0.0.1", port: 0, kafkaPort: -1, shards: 1, logLevel: "error", groups: { initialRebalanceDelayMs: 0 } });
  broker = `ws://127.0.0.1:${server.port}/ws`;
  client = await connect({ url: broker });
});

afterAll(async () => {
  client?.close();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("rivulet groups", () => {
  it("has help from the command table and rejects bad command lines with exit 2", async () => {
    const top = await run(["--help"]);
    expect(top.stdout).toMatch(/^ {2}groups\s+List, describe/m);
    const group = await run(["groups", "--help"]);
    expect(group.code).toBe(0);
    for (const name of ["list", "describe", "reset-offsets", "delete"]) expect(group.stdout).toMatch(new RegExp(`^  ${name}\\s`, "m"));
    for (const args of [["groups", "list", "--help"], ["groups", "describe", "-h"], ["help", "groups", "reset-offsets"], ["groups", "delete", "--help"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout, args.join(" ")).toMatch(/^Usage: rivulet groups /);
    }
    const reset = await run(["groups", "reset-offsets", "--help"]);
    expect(reset.stdout).toContain("Usage: rivulet groups reset-offsets <group> [flags]");
    expect(reset.stdout).toContain("--to POS");
    expect(reset.stdout).toContain("env RIVULET_BROKER");

    const usage: Array<[string[], string]> = [
      [["groups"], ""],
      [["groups", "frobnicate"], "rivulet: unknown command 'groups frobnicate' (run 'rivulet groups --help' for usage)\n"],
      [["groups", "describe"], "rivulet: missing <group> (run 'rivulet groups describe --help' for usage)\n"],
      [["groups", "reset-offsets", "g", "--to", "earliest"], "rivulet: missing --topic (run 'rivulet groups reset-offsets --help' for usage)\n"],
      [["groups", "reset-offsets", "g", "--topic", "t"], "rivulet: missing --to (run 'rivulet groups reset-offsets --help' for usage)\n"],
      [["groups", "reset-offsets", "g", "--topic", "t", "--to", "soon"], "rivulet: --to must be earliest, latest, an offset or @<ms or ISO date>, got 'soon' (run 'rivulet groups reset-offsets --help' for usage)\n"],
      [["groups", "reset-offsets", "g", "--topic", "t", "--to", "@yesterday"], "rivulet: --to @: 'yesterday' is neither milliseconds since the epoch nor an ISO date (run 'rivulet groups reset-offsets --help' for usage)\n"],
      [["groups", "list", "--bogus"], "rivulet: unknown flag --bogus (run 'rivulet groups list --help' for usage)\n"],
    ];
    for (const [args, stderr] of usage) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      if (stderr) expect(r.stderr, args.join(" ")).toBe(stderr);
      else expect(r.stderr).toMatch(/^Usage: rivulet groups <command>/);
    }
  });

  it("lists and describes a group, resets its offsets, refuses while a member is active, deletes it", async () => {
    const topic = "grp-orders";
    const group = "cli-g";
    expect((await run(["topics", "create", topic, "--partitions", "2"])).code).toBe(0);
    expect((await run(["produce", topic, "--partition", "0"], { input: "a0\na1\na2\na3\na4\na5\n" })).code).toBe(0);
    expect((await run(["produce", topic, "--partition", "1"], { input: "b0\nb1\nb2\nb3\n" })).code).toBe(0);

    // Consume everything as the group (commits 6 and 4 on exit), then produce more: lag 3 and 1.
    const first = await run(["consume", topic, "--group", group, "--max-messages", "10"]);
    expect(first.code).toBe(0);
    expect(first.stdout.trimEnd().split("\n")).toHaveLength(10);
    await sleep(20);
    const cut = Date.now();
    await sleep(20);
    expect((await run(["produce", topic, "--partition", "0"], { input: "a6\na7\na8\n" })).code).toBe(0);
    expect((await run(["produce", topic, "--partition", "1"], { input: "b4\n" })).code).toBe(0);

    const list = await run(["groups", "list"]);
    expect(list).toMatchObject({ code: 0, stderr: "" });
    expect(list.stdout).toMatch(/^GROUP\s+PROTOCOL TYPE\s+STATE$/m);
    expect(list.stdout).toMatch(/^cli-g\s+consumer\s+Empty$/m);
    const listJson = await run(["groups", "list", "--json"]);
    expect(JSON.parse(listJson.stdout)).toContainEqual({ groupId: group, protocolType: "consumer", state: "Empty" });

    const described = await run(["groups", "describe", group]);
    expect(described).toMatchObject({ code: 0, stderr: "" });
    expect(described.stdout).toMatch(/^cli-g\s+Empty\s+consumer\s+\S+\s+0$/m);
    expect(described.stdout).toContain("no active members\n");
    expect(described.stdout).toMatch(/^TOPIC\s+PARTITION\s+COMMITTED\s+LOG END\s+LAG$/m);
    expect(described.stdout).toMatch(/^grp-orders\s+0\s+6\s+9\s+3$/m);
    expect(described.stdout).toMatch(/^grp-orders\s+1\s+4\s+5\s+1$/m);
    expect(described.stdout.endsWith("\ntotal lag: 4\n")).toBe(true);
    const describedJson = JSON.parse((await run(["groups", "describe", group, "--json"])).stdout);
    expect(describedJson).toMatchObject({
      groupId: group,
      state: "Empty",
      members: [],
      offsets: [
        { topic, partition: 0, committed: "6", logEndOffset: "9", lag: "3" },
        { topic, partition: 1, committed: "4", logEndOffset: "5", lag: "1" },
      ],
      totalLag: "4",
    });

    // Reset to the start: a group consume reads everything again and commits the ends (lag 0).
    const reset = await run(["groups", "reset-offsets", group, "--topic", topic, "--to", "earliest"]);
    expect(reset).toMatchObject({ code: 0, stderr: "" });
    expect(reset.stdout).toMatch(/^TOPIC\s+PARTITION\s+NEW OFFSET$/m);
    expect(reset.stdout).toMatch(/^grp-orders\s+0\s+0$/m);
    expect(reset.stdout).toMatch(/^grp-orders\s+1\s+0$/m);
    const again = await run(["consume", topic, "--group", group]);
    expect(again.code).toBe(0);
    expect(again.stdout.trimEnd().split("\n").sort()).toEqual(["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "b0", "b1", "b2", "b3", "b4"]);
    const caughtUp = await run(["groups", "describe", group]);
    expect(caughtUp.stdout).toMatch(/^grp-orders\s+0\s+9\s+9\s+0$/m);
    expect(caughtUp.stdout).toMatch(/^grp-orders\s+1\s+5\s+5\s+0$/m);
    expect(caughtUp.stdout.endsWith("\ntotal lag: 0\n")).toBe(true);

    // An offset, a timestamp (ms and ISO date: the first records produced after the cut), latest.
    const toOffset = await run(["groups", "reset-offsets", group, "--topic", topic, "--to", "2", "--json"]);
    expect(JSON.parse(toOffset.stdout)).toEqual({ groupId: group, topic, offsets: [{ partition: 0, offset: "2" }, { partition: 1, offset: "2" }] });
    for (const at of [`@${cut}`, `@${new Date(cut).toISOString()}`]) {
      const r = await run(["groups", "reset-offsets", group, "--topic", topic, "--to", at, "--json"]);
      expect(JSON.parse(r.stdout), at).toEqual({ groupId: group, topic, offsets: [{ partition: 0, offset: "6" }, { partition: 1, offset: "4" }] });
    }
    const latest = await run(["groups", "reset-offsets", group, "--topic", topic, "--to", "latest"]);
    expect(latest.stdout).toMatch(/^grp-orders\s+0\s+9$/m);
    expect(latest.stdout).toMatch(/^grp-orders\s+1\s+5$/m);
    const unknownTopic = await run(["groups", "reset-offsets", group, "--topic", "no-such-topic", "--to", "earliest"]);
    expect(unknownTopic).toMatchObject({ code: 1, stdout: "", stderr: "rivulet: unknown topic 'no-such-topic'\n" });

    // With a member: describe shows it; reset and delete are refused with one line.
    const member = client.consumer({ topic, group, from: "earliest" });
    try {
      await member.start();
      await until(async () => {
        const d = await client.admin.describeGroup(group);
        return d.state === "Stable" && d.members.length === 1 && d.members[0]!.assignment.length === 2;
      }, "the member to be assigned both partitions");
      const active = await run(["groups", "describe", group]);
      expect(active.code).toBe(0);
      expect(active.stdout).toMatch(/^cli-g\s+Stable\s+consumer\s+\S+\s+1$/m);
      expect(active.stdout).toMatch(/^MEMBER\s+CLIENT\s+HOST\s+PARTITIONS$/m);
      const row = active.stdout.split("\n").find((l) => l.startsWith(member.memberId));
      expect(row).toMatch(/\sgrp-orders\(0,1\)$/);
      expect((await run(["groups", "list"])).stdout).toMatch(/^cli-g\s+consumer\s+Stable$/m);

      for (const args of [["groups", "reset-offsets", group, "--topic", topic, "--to", "earliest"], ["groups", "delete", group]]) {
        const refused = await run(args);
        expect(refused, args.join(" ")).toEqual({ code: 1, stdout: "", stderr: "rivulet: group cli-g has active members; stop them first\n" });
      }
    } finally {
      await member.close();
    }

    // Empty again: delete works, and the group is gone.
    await until(async () => (await client.admin.describeGroup(group)).members.length === 0, "the member to leave");
    expect(await run(["groups", "delete", group])).toEqual({ code: 0, stdout: "deleted group cli-g\n", stderr: "" });
    expect((await run(["groups", "list"])).stdout).not.toMatch(/^cli-g\s/m);
    expect(await run(["groups", "delete", group])).toEqual({ code: 1, stdout: "", stderr: "rivulet: unknown group 'cli-g'\n" });
    expect(await run(["groups", "describe", group])).toEqual({ code: 1, stdout: "", stderr: "rivulet: unknown group 'cli-g'\n" });
  });

  it("fails with one line when the broker is unreachable", async () => {
    const down = await run(["groups", "list", "--broker", "ws://127.0.0.1:1/ws"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^rivulet: cannot connect to the broker at ws:\/\/127\.0\.0\.1:1\/ws: nothing is listening.*\n$/);
  });
});
