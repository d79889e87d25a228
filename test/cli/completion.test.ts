// Shell completion generated from the command table, exercised in a real bash: the completion function is
// called as bash calls it (COMP_WORDS/COMP_CWORD) and its COMPREPLY is read back.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bashCompletion, fishCompletion, zshCompletion } from "../../src/cli/completion.js";
import { commands } from "../../src/cli/commands.js";

const dir = mkdtempSync(join(tmpdir(), "rivulet-completion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"], { stdio: "ignore" }).status === 0;

function complete(words: string[]): string[] {
  const script = join(dir, "rivulet.bash");
  writeFileSync(script, bashCompletion(commands));
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const r = spawnSync("bash", ["-c", `source ${script}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _rivulet; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
}

describe.skipIf(!has("bash"))("bash completion", () => {
  it("completes commands, subcommands, flags and flag values from the command table", () => {
    expect(complete(["rivulet", ""])).toEqual([...commands.map((c) => c.name), "--help", "--version"]);
    expect(complete(["rivulet", "to"])).toEqual(["topics"]);
    expect(complete(["rivulet", "topics", ""])).toEqual(expect.arrayContaining(["create", "list", "describe", "delete", "--help"]));
    expect(complete(["rivulet", "topics", "create", "--part"])).toEqual(["--partitions"]);
    expect(complete(["rivulet", "serve", "--log-level", ""])).toEqual(["debug", "info", "warn", "error"]);
    expect(complete(["rivulet", "consume", "t", "--fr"])).toEqual(["--from"]);
    expect(complete(["rivulet", "nonsense", ""])).toEqual(expect.arrayContaining(["serve", "topics"]));
  });
});

describe("zsh and fish scripts", () => {
  it.skipIf(!has("zsh"))("zsh parses the script", () => {
    const file = join(dir, "rivulet.zsh");
    writeFileSync(file, zshCompletion(commands));
    expect(spawnSync("zsh", ["-n", file]).status).toBe(0);
  });
  it.skipIf(!has("fish"))("fish parses the script", () => {
    const file = join(dir, "rivulet.fish");
    writeFileSync(file, fishCompletion(commands));
    expect(spawnSync("fish", ["--no-execute", file]).status).toBe(0);
  });
  it("fish completes every command and every flag of a leaf command", () => {
    const script = fishCompletion(commands);
    for (const c of commands) expect(script).toContain(`-a '${c.name}'`);
    expect(script).toContain("__fish_seen_subcommand_from topics; and __fish_seen_subcommand_from create' -l partitions");
  });
});
