// docs/cli.md documents every command and every flag of the command table (its appendix is the commands'
// own --help): a command or flag added without its documentation fails here.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { commands, isGroup } from "../../src/cli/commands.js";
import { commandHelp } from "../../src/cli/command.js";

const doc = readFileSync(fileURLToPath(new URL("../../docs/cli.md", import.meta.url)), "utf8");

describe("docs/cli.md", () => {
  it("has every command's current --help, so every flag is documented", () => {
    const missing: string[] = [];
    for (const entry of commands) {
      const leaves = isGroup(entry) ? entry.commands.map((c) => [c, `${entry.name} ${c.name}`] as const) : [[entry, entry.name] as const];
      for (const [command, path] of leaves) {
        if (!doc.includes(`### rivulet ${path}\n`)) missing.push(`section for ${path}`);
        if (!doc.includes(commandHelp(command, path))) missing.push(`current --help of ${path} (regenerate the appendix)`);
      }
    }
    expect(missing).toEqual([]);
  });
});
