// `rivulet serve` flags for the Kafka listener, on a broker child process (dist/: run `npm run build:ts`):
// --auto-create-topics / --default-partitions (off by default: an unknown topic stays unknown), and the
// warning logged when bound to a wildcard address without --advertised-host.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const running: { child: ChildProcess; dir: string }[] = [];

async function serve(args: string[]): Promise<{ kafkaPort: number; stderr: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-serve-flags-"));
  const child = spawn(process.execPath, [cli, "serve", "--data-dir", dir, "--port", "0", "--kafka-port", "0", "--shards", "1", ...args], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  running.push({ child, dir });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  const kafkaPort = await new Promise<number>((resolve, reject) => {
    child.stderr!.on("data", (d: string) => {
      stderr += d;
      const line = stderr.split("\n").find((l) => l.includes('"rivulet listening"'));
      if (line) resolve(Number(JSON.parse(line).kafkaPort));
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { kafkaPort, stderr: () => stderr };
}

afterEach(async () => {
  for (const { child, dir } of running.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid, "SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

async function metadataFor(port: number, topic: string) {
  const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: "serve-flags", logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  await admin.connect();
  try {
    return await admin.fetchTopicMetadata({ topics: [topic] }).catch((e: { type?: string }) => e);
  } finally {
    await admin.disconnect();
  }
}

describe("rivulet serve Kafka flags", () => {
  it("--auto-create-topics --default-partitions 3 creates a topic a client asks for", async () => {
    const { kafkaPort, stderr } = await serve(["--host", "127.0.0.1", "--auto-create-topics", "--default-partitions", "3"]);
    // kafkajs producers ask for auto-creation (allowAutoTopicCreation defaults to true); its admin does not.
    const producer = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], clientId: "serve-flags", logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: "auto-made", messages: [{ value: "first" }] });
    await producer.disconnect();
    const meta = (await metadataFor(kafkaPort, "auto-made")) as { topics: { name: string; partitions: unknown[] }[] };
    expect(meta.topics[0]).toMatchObject({ name: "auto-made" });
    expect(meta.topics[0]!.partitions).toHaveLength(3);
    expect(stderr()).not.toContain("wildcard");
  }, 30_000);

  it("without the flag, an unknown topic stays unknown; a wildcard bind without --advertised-host warns", async () => {
    const { kafkaPort, stderr } = await serve(["--host", "0.0.0.0"]);
    const err = (await metadataFor(kafkaPort, "not-made")) as { type?: string };
    expect(err.type).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    const warning = stderr().split("\n").find((l) => l.includes("wildcard"));
    expect(JSON.parse(warning!)).toMatchObject({ level: "warn", host: "0.0.0.0" });
  }, 30_000);
});
