// The broker's node options (src/cli/node-flags.ts) are written out in two places node reads before any of
// our code runs: the `rivulet` command's first line and `npm start`. These checks keep the three equal, and
// run the built command through its first line as the kernel would, so a broker started either way gets
// them (docs/operations.md, "Memory").
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BROKER_NODE_FLAGS } from "../../src/cli/node-flags.js";
import { CLI_MAIN, runProcess } from "../helpers/run-process.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const shebang = `#!/usr/bin/env -S node ${BROKER_NODE_FLAGS.join(" ")}`;

describe("the broker's node options", () => {
  it("are on the first line of the rivulet command, source and build", () => {
    expect(readFileSync(`${root}src/cli/main.ts`, "utf8").split("\n")[0]).toBe(shebang);
    expect(readFileSync(CLI_MAIN, "utf8").split("\n")[0]).toBe(shebang);
  });

  it("are in npm start", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${BROKER_NODE_FLAGS.join(" ")} dist/cli/main.js serve`);
  });

  it("reach node when the command runs through its first line", async () => {
    // The kernel hands everything after the interpreter's path to it as one argument.
    const [interpreter, ...rest] = shebang.slice(2).split(" ");
    const probe = "process.stdout.write(JSON.stringify(process.execArgv))";
    const { code, stdout, stderr } = await runProcess(interpreter!, [rest.join(" "), "-e", probe]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([...BROKER_NODE_FLAGS, "-e", probe]);
    const version = await runProcess(interpreter!, [rest.join(" "), CLI_MAIN, "--version"]);
    expect(version.stdout).toMatch(/^rivulet /);
  });
});
