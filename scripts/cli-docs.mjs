// Regenerates the appendix of docs/cli.md ("## Every command's `--help`") from the built command table
// (dist/cli), so the reference cannot drift: test/cli/docs.test.ts fails until this is run after a command
// or flag changes. Usage: npm run build:ts && node scripts/cli-docs.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const { commands, isGroup } = await import("../dist/cli/commands.js");
const { commandHelp } = await import("../dist/cli/command.js");
const file = fileURLToPath(new URL("../docs/cli.md", import.meta.url));
const marker = "## Every command's `--help`\n";
const doc = readFileSync(file, "utf8");
const at = doc.indexOf(marker);
if (at < 0) throw new Error(`docs/cli.md has no '${marker.trim()}' section`);
const sections = [];
for (const entry of commands) {
  const leaves = isGroup(entry) ? entry.commands.map((c) => [c, `${entry.name} ${c.name}`]) : [[entry, entry.name]];
  for (const [command, path] of leaves) sections.push(`### rivulet ${path}\n\n\`\`\`\n${commandHelp(command, path)}\`\`\`\n`);
}
writeFileSync(file, `${doc.slice(0, at + marker.length)}\n${sections.join("\n")}`);
console.log(`docs/cli.md: ${sections.length} commands`);
