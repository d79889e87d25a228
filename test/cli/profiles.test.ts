// Profiles as a user drives them: saved with 0600 permissions (they may hold secrets), selected by
// `profile use`, --profile or RIVULET_PROFILE, and overridden by --broker.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type RunResult } from "../helpers/run-process.js";
import { extractProfileFlag } from "../../src/cli/profiles.js";
import { inProcessServers } from "../helpers/in-process-servers.js";

const { start, tempDir } = inProcessServers("profiles");

function run(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return runCli(args, { env: { RIVULET_BROKER: "", RIVULET_PROFILE: "", ...env } });
}

describe("rivulet profile", () => {
  it("saves profiles 0600 and routes client commands to the selected one", async () => {
    const a = await start({ kafkaPort: -1 });
    const b = await start({ kafkaPort: -1 });
    await a.broker.createTopic("on-a", { partitions: 1 });
    await b.broker.createTopic("on-b", { partitions: 1 });
    const env = { RIVULET_CONFIG_DIR: join(tempDir("config"), "rivulet") };

    expect((await run(["profile", "create", "a", "--broker", `127.0.0.1:${a.port}`], env)).code).toBe(0);
    expect((await run(["profile", "create", "b", "--broker", `ws://127.0.0.1:${b.port}/ws`], env)).code).toBe(0);
    const file = join(env.RIVULET_CONFIG_DIR, "profiles.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8")).current).toBe("a");

    const topics = async (...extra: string[]) => (await run(["topics", "list", ...extra], env)).stdout;
    expect(await topics()).toMatch(/on-a/); // the first profile saved became current
    expect(await topics("--profile", "b")).toMatch(/on-b/);
    expect((await run(["topics", "list"], { ...env, RIVULET_PROFILE: "b" })).stdout).toMatch(/on-b/);
    expect(await topics("--profile=b", "--broker", `127.0.0.1:${a.port}`)).toMatch(/on-a/); // --broker wins

    expect((await run(["profile", "use", "b"], env)).code).toBe(0);
    expect(await topics()).toMatch(/on-b/);
    const listed = await run(["profile", "list"], env);
    expect(listed.stdout).toMatch(/\*\s+b/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // A profile's token is sent (AUTH): a broker with no JWT key refuses it, in one clear line.
    expect((await run(["profile", "create", "tok", "--broker", `127.0.0.1:${a.port}`, "--token", "secret-t"], env)).code).toBe(0);
    expect((await run(["profile", "list"], env)).stdout).not.toMatch(/secret-t/);
    const refused = await run(["topics", "list", "--profile", "tok"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the connection/);

    const unknown = await run(["topics", "list", "--profile", "nope"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no profile named 'nope'/);
    expect((await run(["profile", "delete", "b"], env)).code).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).current).toBeUndefined();
  });

  it("takes --profile from anywhere on the command line, but not after --", () => {
    expect(extractProfileFlag(["topics", "--profile", "p", "list"])).toEqual({ argv: ["topics", "list"], profile: "p" });
    expect(extractProfileFlag(["--profile=q", "topics", "list"])).toEqual({ argv: ["topics", "list"], profile: "q" });
    expect(extractProfileFlag(["produce", "t", "--", "--profile", "x"])).toEqual({ argv: ["produce", "t", "--", "--profile", "x"], profile: undefined });
    expect(() => extractProfileFlag(["topics", "--profile"])).toThrow(/needs a name/);
  });
});
