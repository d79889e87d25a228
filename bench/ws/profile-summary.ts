// Summarises V8 CPU profiles (node --cpu-prof): the functions with the most self time, and inclusive time
// of the ones that matter, per file given (or every .cpuprofile in a directory).
//   node build/bench/bench/ws/profile-summary.js <file-or-dir>... [--top N]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { repoRoot } from "./common.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? relative(repoRoot, url.replace(/^file:\/\//, "")) : "";
  return `${functionName || "(anonymous)"}${file ? ` ${file}:${lineNumber + 1}` : ""}`;
}

export function summarise(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const selfByLabel = new Map<string, number>();
  const totalByLabel = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const name = label(node);
    if (name === "(idle)") {
      idle += us;
      continue;
    }
    busy += us;
    selfByLabel.set(name, (selfByLabel.get(name) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l)) continue;
      seen.add(l);
      totalByLabel.set(l, (totalByLabel.get(l) ?? 0) + us);
    }
  }
  const pct = (us: number) => ((100 * us) / Math.max(busy, 1)).toFixed(1).padStart(5) + "%";
  const lines = [`busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`, "self time:"];
  for (const [name, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${name}`);
  lines.push("inclusive time (excluding the root and event-loop frames):");
  const skip = /^\((root|program|idle|garbage collector)\)|^processTicksAndRejections|^runMicrotasks|^listOnTimeout|^processTimers|^process.processImmediate/;
  for (const [name, us] of [...totalByLabel].filter(([n]) => !skip.test(n)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${name}`);
  return lines.join("\n");
}

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
const files = args.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(p, f)) : [p]));
for (const file of files) {
  console.log(`\n== ${basename(file)}`);
  console.log(summarise(JSON.parse(readFileSync(file, "utf8")) as Profile, top));
}
