// `rivulet groups reset-offsets --dry-run`: the plan per partition (current, new, lag after) matches what
// the real reset then commits, and the dry run itself commits nothing; a group with members is named.
// Needs `npm run build:ts` first.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { inProcessServers } from "../helpers/in-process-servers.js";

const cli = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const { start } = inProcessServers("reset-dry");

function rivulet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 30_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe("groups reset-offsets --dry-run", () => {
  it("prints current, new and lag per partition, changes nothing, and matches the real reset", async () => {
    const server = await start({ kafkaPort: -1 });
    const url = `ws://127.0.0.1:${server.port}/ws`;
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    const client = await connect({ url });
    try {
      await client.admin.createTopic("plan", { partitions: 2 });
      const producer = client.producer({ acks: "all" });
      const t0 = Date.now() - 100_000;
      for (let i = 0; i < 10; i++) await producer.send({ topic: "plan", partition: i % 2, value: `v${i}`, timestamp: t0 + i * 1000 });
      // Partition 0 has offsets 0..4 at t0, t0+2s, ..., partition 1 offsets 0..4 at t0+1s, t0+3s, ...
      await client.admin.resetOffsets("g", "plan", { offset: 1n });
      const committed = async () => (await client.admin.committedOffsets("g", ["plan"])).map((o) => `${o.partition}:${o.offset}`).sort();
      const before = await committed();
      expect(before).toEqual(["0:1", "1:1"]);

      const table = await rivulet(["groups", "reset-offsets", "g", "--topic", "plan", "--to", "latest", "--dry-run", ...broker]);
      expect(table.code, table.stderr).toBe(0);
      const rows = table.stdout.split("\n");
      expect(rows[0]!.split(/\s{2,}/)).toEqual(["TOPIC", "PARTITION", "CURRENT", "NEW", "LAG AFTER", "CHANGES"]);
      expect(rows[1]!.trim().split(/\s+/)).toEqual(["plan", "0", "1", "5", "0", "yes"]);
      expect(rows[2]!.trim().split(/\s+/)).toEqual(["plan", "1", "1", "5", "0", "yes"]);
      expect(table.stdout).toContain("dry run: nothing was changed");
      expect(await committed()).toEqual(before);

      // By time: the first record at or after t0+5s is offset 3 in partition 0 (t0+6s) and 2 in partition 1 (t0+5s).
      const json = await rivulet(["groups", "reset-offsets", "g", "--topic", "plan", "--to", `@${t0 + 5000}`, "--dry-run", "--json", ...broker]);
      const plan = JSON.parse(json.stdout) as { dryRun: boolean; activeMembers: number; partitions: Array<{ partition: number; current: string; new: string; lag: string; changes: boolean }> };
      expect(plan.dryRun).toBe(true);
      expect(plan.activeMembers).toBe(0);
      expect(plan.partitions).toEqual([
        { partition: 0, current: "1", new: "3", lag: "2", changes: true },
        { partition: 1, current: "1", new: "2", lag: "3", changes: true },
      ]);
      expect(await committed()).toEqual(before);
      // The real reset commits exactly the plan.
      const real = await rivulet(["groups", "reset-offsets", "g", "--topic", "plan", "--to", `@${t0 + 5000}`, "--json", ...broker]);
      expect(real.code, real.stderr).toBe(0);
      expect(await committed()).toEqual(["0:3", "1:2"]);
      // A partition already there does not change; a group that never committed shows '-'.
      const same = await rivulet(["groups", "reset-offsets", "g", "--topic", "plan", "--to", "3", "--dry-run", ...broker]);
      expect(same.stdout.split("\n")[1]!.trim().split(/\s+/)).toEqual(["plan", "0", "3", "3", "2", "no"]);
      const fresh = await rivulet(["groups", "reset-offsets", "new-group", "--topic", "plan", "--to", "earliest", "--dry-run", ...broker]);
      expect(fresh.stdout.split("\n")[1]!.trim().split(/\s+/)).toEqual(["plan", "0", "-", "0", "5", "yes"]);
      expect((await client.admin.listGroups()).map((g) => g.groupId)).not.toContain("new-group");
    } finally {
      client.close();
    }
  });

  it("names active members (the real reset would be refused) and fails on an unknown topic", async () => {
    const server = await start({ kafkaPort: -1 });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    const client = await connect({ url: `ws://127.0.0.1:${server.port}/ws` });
    try {
      await client.admin.createTopic("busy", { partitions: 1 });
      const member = client.consumer({ topic: "busy", group: "live", from: "earliest" });
      await member.start();
      for (let i = 0; i < 50 && member.assignment().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const r = await rivulet(["groups", "reset-offsets", "live", "--topic", "busy", "--to", "earliest", "--dry-run", ...broker]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("group live has 1 active member: the reset would be refused until they stop");
      const real = await rivulet(["groups", "reset-offsets", "live", "--topic", "busy", "--to", "earliest", ...broker]);
      expect(real.code).toBe(1);
      expect(real.stderr).toMatch(/group live has active members/);
      await member.close();
      const unknown = await rivulet(["groups", "reset-offsets", "live", "--topic", "nope", "--to", "earliest", "--dry-run", ...broker]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe("rivulet: unknown topic 'nope'\n");
    } finally {
      client.close();
    }
  });
});
