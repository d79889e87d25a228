// The broker's node options (src/cli/node-flags.ts): `npm start` passes them, the `rivulet` command's first
// line stays a plain `env node` (BusyBox's env, as on Alpine, refuses `env -S`, which would break every
// command), and `rivulet serve` started without them says so at start-up (docs/operations.md, section 8).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BROKER_NODE_FLAGS, missingBrokerNodeFlags } from "../../src/cli/node-flags.js";
import { CLI_MAIN } from "../helpers/run-process.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Starts `serve` with `nodeFlags`, returns its stderr once it is listening (then stops it). */
async function serveLog(nodeFlags: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-node-flags-"));
  const child = spawn(process.execPath, [...nodeFlags, CLI_MAIN, "serve", "--data-dir", dir, "--port", "0", "--kafka-port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr!.setEncoding("utf8").on("data", (d: string) => {
        err += d;
        if (err.includes("rivulet listening")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    return err;
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the broker's node options", () => {
  it("are in npm start; the command's first line is a plain env node", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${BROKER_NODE_FLAGS.join(" ")} dist/cli/main.js serve`);
    expect(readFileSync(`${root}src/cli/main.ts`, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    expect(readFileSync(CLI_MAIN, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("missingBrokerNodeFlags names what node was started without", () => {
    expect(missingBrokerNodeFlags([])).toEqual([...BROKER_NODE_FLAGS]);
    expect(missingBrokerNodeFlags([...BROKER_NODE_FLAGS, "--trace-gc"])).toEqual([]);
    expect(missingBrokerNodeFlags(["--initial-old-space-size=128"])).toEqual([]);
  });

  it("serve says so at start-up without them, and not with them", async () => {
    expect(await serveLog([])).toContain("without the broker's heap option");
    expect(await serveLog(BROKER_NODE_FLAGS)).not.toContain("without the broker's heap option");
  }, 60_000);
});
