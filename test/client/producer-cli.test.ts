// `rivulet produce` with lines the broker refuses (issue 12, item 4), run as a user runs it (the built
// command in a child process) against a real server: the refused line is named by its number with the
// reason, every other line is stored, and the exit status is 1, with --acks 0 too. Needs `npm run build:ts`.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { wsServers, text } from "../helpers/ws-server.js";
import { lineRanges } from "../../src/cli/produce.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const servers = wsServers();

function run(args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
    child.stdin.end(input);
  });
}

async function values(url: string, topic: string): Promise<string[]> {
  const client = await connect({ url, reconnect: false });
  try {
    const [meta] = await client.admin.metadata([topic]);
    const end = Number(meta!.partitions[0]!.logEndOffset);
    const out: string[] = [];
    if (end === 0) return out;
    const consumer = client.consumer({ topic, from: "earliest", partitions: [0] });
    for await (const record of consumer) {
      out.push(text(record.value)!);
      if (out.length >= end) break;
    }
    await consumer.close();
    return out;
  } finally {
    client.close();
  }
}

describe("rivulet produce: refused lines", () => {
  it.each(["all", "1", "0"])("a 2 MB third line of five (--acks %s): lines 1, 2, 4, 5 stored; line 3 named; exit 1", async (acks) => {
    const server = await servers.start();
    const client = await servers.client(server.url);
    const topic = `five-${acks}`;
    await client.admin.createTopic(topic, { partitions: 1 });
    const input = `one\ntwo\n${"x".repeat(2_000_000)}\nfour\nfive\n`;
    const result = await run(["produce", topic, "--broker", server.url, "--acks", acks], input);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^rivulet: line 3 was not stored: record of 2000000 bytes is too large: .*at most \d+ for topic five-/);
    expect(lines[1]).toBe("rivulet: 1 of 5 lines was not stored (line 3): refused by the broker's limits (see above)");
    // acks 0: the command is done once the socket took the records; the broker may still be appending.
    for (let i = 0; i < 50 && (await values(server.url, topic)).length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await values(server.url, topic)).toEqual(["one", "two", "four", "five"]);
  });

  it("many refused lines: the first ten by number, a count of the rest, ranges in the summary", async () => {
    const server = await servers.start();
    const client = await servers.client(server.url);
    await client.admin.createTopic("many", { partitions: 1, configs: { "max.message.bytes": "2000" } });
    const input = Array.from({ length: 30 }, (_, i) => (i >= 5 && i < 20 ? "y".repeat(3000) : `ok-${i + 1}`)).join("\n");
    const result = await run(["produce", "many", "--broker", server.url], input);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines.slice(0, 10).map((l) => /^rivulet: line (\d+) was not stored/.exec(l)?.[1])).toEqual(["6", "7", "8", "9", "10", "11", "12", "13", "14", "15"]);
    expect(lines[10]).toBe("rivulet: ... and 5 more lines refused by the broker's limits");
    expect(lines[11]).toBe("rivulet: 15 of 30 lines were not stored (lines 6-20): refused by the broker's limits (see above)");
    expect(await values(server.url, "many")).toEqual(Array.from({ length: 30 }, (_, i) => `ok-${i + 1}`).filter((_, i) => i < 5 || i >= 20));
  });

  it("lineRanges compresses runs", () => {
    expect(lineRanges([1, 2, 3, 5, 7, 8])).toBe("1-3, 5, 7-8");
    expect(lineRanges([1, 3, 5, 7, 9, 11, 13], 3)).toBe("1, 3, 5, ...");
    expect(lineRanges([1_000_000, 1_000_001])).toBe("1,000,000-1,000,001");
  });
});
