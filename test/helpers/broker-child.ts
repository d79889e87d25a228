// A single broker in a child process for the crash and fault tests (test/transactions, test/groups/
// persist-faults, test/faults): the built server (dist/) forked through
// test/faults/storage-broker-child.mjs on a data dir of the test's choosing, so it can be killed with
// SIGKILL (or kill itself at RIVULET_TXN_CRASH_AT, the coordinator's fault hook) and started again on the
// same directory. Every child still alive and every temp dir is removed after the file's tests.

import { fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect } from "vitest";

const childPath = fileURLToPath(new URL("../faults/storage-broker-child.mjs", import.meta.url));
const dist = fileURLToPath(new URL("../../dist/server.js", import.meta.url));

export interface BrokerChild {
  child: ChildProcess;
  /** The WebSocket port. */
  port: number;
  kafkaPort: number;
  /** What the broker wrote to stderr so far (its log lines: JSON, at the config's `logLevel`). */
  stderr(): string;
}

/** Registers the file's cleanup; returns the start/stop functions bound to it. */
export function brokerChildren() {
  const live = new Set<ChildProcess>();
  const dirs: string[] = [];
  afterAll(() => {
    for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  return {
    /** A fresh temp data dir, removed after the file's tests. */
    dataDir(prefix: string): string {
      expect(existsSync(dist), "dist/ is missing: run `npm run build:ts`").toBe(true);
      const dir = mkdtempSync(join(tmpdir(), `rivulet-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    /** Starts a broker (2 shards, 100 ms transaction timer) on `dataDir`; `crashAt` arms the coordinator's crash hook. */
    start(dataDir: string, crashAt?: string, config: Record<string, unknown> = {}): Promise<BrokerChild> {
      return new Promise((resolve, reject) => {
        const full = { dataDir, port: 0, kafkaPort: 0, shards: 2, flushTickMs: 20, transactions: { abortCheckMs: 100 }, ...config };
        const env = { ...process.env, RIVULET_TXN_CRASH_AT: crashAt ?? "" };
        const child = fork(childPath, [JSON.stringify(full)], { stdio: ["ignore", "ignore", "pipe", "ipc"], env });
        live.add(child);
        let stderr = "";
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.once("message", (m: { port: number; kafkaPort: number }) => resolve({ child, port: m.port, kafkaPort: m.kafkaPort, stderr: () => stderr }));
        child.once("exit", (code, signal) => reject(new Error(`broker exited before ready (${code ?? signal}): ${stderr}`)));
      });
    },
  };
}

/** Resolves once the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

/** Closes the broker gracefully and waits for it to exit. */
export async function closeBroker(broker: BrokerChild): Promise<void> {
  broker.child.send({ type: "close" });
  await exited(broker.child);
}
