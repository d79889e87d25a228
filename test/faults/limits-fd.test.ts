// The fd bomb from the issue: a topic with more partitions than the process has file descriptors used to
// fail half-way, be saved anyway, and leave a broker that could not restart (EMFILE). Now creation is
// atomic: either every partition opened and the topic is saved, or none is left and nothing is saved;
// either way the broker restarts under the same descriptor limit. Run under `ulimit -n 256` in a child.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const CHILD = join(dirname(fileURLToPath(import.meta.url)), "limits-server-child.mjs");
const dataDir = mkdtempSync(join(tmpdir(), "rivulet-fd-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts the server child under `ulimit -n 256`; resolves once it is listening (rejects with its stderr if it exits). */
function startLimited(): Promise<ChildProcess> {
  const config = JSON.stringify({ dataDir, port: 0, kafkaPort: -1, shards: 1, maxPartitionsPerTopic: 1000 });
  const child = spawn("/bin/sh", ["-c", `ulimit -n 256 && exec "${process.execPath}" "${CHILD}" '${config}'`], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr.slice(0, 2000)}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.disconnect();
  });
}

describe("fd bomb", () => {
  it("400 partitions under 256 fds: all or nothing is saved, and the broker restarts under the same limit", { timeout: 120_000 }, async () => {
    const first = await startLimited();
    const result = await new Promise<{ error?: { code: string; message: string } }>((resolve) => {
      first.on("message", (m: { type: string; error?: { code: string; message: string } }) => m.type === "created" && resolve(m));
      first.send({ type: "create", name: "bomb", partitions: 400 });
    });
    await stop(first);
    const saved = JSON.parse(readFileSync(join(dataDir, "topics.json"), "utf8")) as { topics: Array<{ name: string; partitions: number }>; pending?: unknown[] };
    const bomb = saved.topics.find((t) => t.name === "bomb");
    const dirs = readdirSync(dataDir).filter((n) => n.startsWith("bomb-"));
    console.log(`fd bomb: create 400 partitions under ulimit -n 256 -> ${result.error ? `refused (${result.error.code}: ${result.error.message.slice(0, 120)})` : "created"}; saved: ${bomb ? bomb.partitions : "no"}; bomb-* dirs left: ${dirs.length}`);
    if (result.error) {
      expect(bomb).toBeUndefined();
      expect(dirs).toEqual([]);
    } else {
      expect(bomb?.partitions).toBe(400);
      expect(dirs).toHaveLength(400);
    }
    // The broker starts again under the same limit.
    const second = await startLimited();
    await stop(second);
  });
});
