// `rivulet serve --group-migration-policy` on a broker child process (dist/: run `npm run build:ts`): with
// "disabled" a KIP-848 member is refused by a kafkajs group that has members (GROUP_ID_NOT_FOUND); with the
// default it upgrades the group; an unknown policy is a usage error.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { ask } from "../helpers/kafka-wire.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");
const running: { child: ChildProcess; dir: string }[] = [];

async function serve(args: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-migration-flag-"));
  const child = spawn(process.execPath, [cli, "serve", "--data-dir", dir, "--port", "0", "--kafka-port", "0", "--shards", "1", ...args], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  running.push({ child, dir });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  return new Promise<number>((resolve, reject) => {
    child.stderr!.on("data", (d: string) => {
      stderr += d;
      const line = stderr.split("\n").find((l) => l.includes('"rivulet listening"'));
      if (line) resolve(Number(JSON.parse(line).kafkaPort));
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
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

/** A kafkajs consumer in group "flag-g" until it has joined; then a KIP-848 member's first heartbeat's error code. */
async function kip848JoinsKafkajsGroup(kafkaPort: number): Promise<number> {
  const bootstrap = `127.0.0.1:${kafkaPort}`;
  const kafka = new Kafka({ brokers: [bootstrap], clientId: "migration-flag", logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "flag-t", numPartitions: 2 }] });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: "flag-g", sessionTimeout: 10_000, heartbeatInterval: 500 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic: "flag-t" });
  await consumer.run({ eachMessage: async () => {} });
  await joined;
  try {
    const r = await ask(bootstrap, ApiKey.ConsumerGroupHeartbeat, 1, { groupId: "flag-g", memberId: "m-848", memberEpoch: 0, rebalanceTimeoutMs: 5000, subscribedTopicNames: ["flag-t"], topicPartitions: [] });
    return r.errorCode;
  } finally {
    await consumer.disconnect();
  }
}

describe("rivulet serve --group-migration-policy", () => {
  it("disabled: GROUP_ID_NOT_FOUND; the default upgrades the group", async () => {
    expect(await kip848JoinsKafkajsGroup(await serve(["--group-migration-policy", "disabled"]))).toBe(69);
    expect(await kip848JoinsKafkajsGroup(await serve([]))).toBe(0);
  }, 60_000);

  it("an unknown policy is a usage error", () => {
    const r = spawnSync(process.execPath, [cli, "serve", "--group-migration-policy", "sometimes", "--data-dir", tmpdir()], { cwd: root, encoding: "utf8", timeout: 20_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/group-migration-policy/);
  });
});
