// The layering rules of src/, read from the imports themselves: front ends -> groups -> broker -> shard ->
// storage; codecs and the core do no I/O; the client stays browser-safe; and no import cycles anywhere.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** File (relative to src/) -> its relative imports (as src/ paths, .ts) and its bare imports. */
const graph = new Map<string, { local: string[]; bare: string[] }>();
for (const file of sourceFiles(src)) {
  const text = readFileSync(file, "utf8");
  const local: string[] = [];
  const bare: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith(".")) local.push(relative(src, normalize(join(dirname(file), spec))).replace(/\.js$/, ".ts"));
    else bare.push(spec);
  }
  graph.set(relative(src, file), { local, bare });
}

const room = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : file.replace(/\.tsx?$/, ""));

/** What each room may import (besides itself). Rooms not listed here are unconstrained entry points. */
const allowed: Record<string, string[]> = {
  errors: [],
  log: [],
  "failure-episodes": ["log"],
  "refusal-log": ["log"],
  "package-root": [],
  core: ["errors"],
  protocol: ["errors", "core"],
  storage: ["core", "errors", "log", "failure-episodes"],
  shard: ["storage", "core", "errors", "log", "failure-episodes", "protocol"],
  broker: ["shard", "storage", "core", "errors", "log", "failure-episodes", "protocol", "package-root"],
  groups: ["broker", "protocol", "core", "errors", "log", "failure-episodes"],
  client: ["protocol", "core", "errors"],
};

/** Modules that do I/O: never imported by the sans-IO rooms. */
const IO = /^(node:)?(fs|net|tls|http|https|child_process|worker_threads|dgram)(\/|$)|^uWebSockets\.js$|^piscina$/;
const sansIo = ["core", "protocol", "client"];

describe("source layout", () => {
  it("finds the source tree", () => {
    expect(graph.size).toBeGreaterThan(100);
  });

  it("keeps every arrow between rooms pointing down", () => {
    const violations: string[] = [];
    for (const [file, { local }] of graph) {
      const from = room(file);
      const rules = allowed[from];
      if (!rules) continue;
      for (const target of local) {
        const to = room(target);
        if (to !== from && !rules.includes(to)) violations.push(`${file} -> ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("keeps the codecs, the core and the client free of I/O", () => {
    const violations: string[] = [];
    for (const [file, { bare }] of graph) {
      if (!sansIo.includes(room(file))) continue;
      for (const spec of bare) if (IO.test(spec)) violations.push(`${file} imports ${spec}`);
    }
    expect(violations).toEqual([]);
  });

  it("has no import cycles", () => {
    const cycles: string[][] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, "open");
      stack.push(file);
      for (const next of graph.get(file)?.local ?? []) {
        if (!graph.has(next)) continue;
        if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
