// Parses /metrics text with Python's prometheus_client (the reference parser), plus the strict structural
// checks of test/http/prometheus-parse.py. Needs /usr/bin/python3 with python3-prometheus-client.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  /** A non-finite value comes back as "inf", "-inf" or "nan". */
  value: number | string;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

const script = fileURLToPath(new URL("./prometheus-parse.py", import.meta.url));

/** The families, or throws with the parser's complaint. */
export function parseExposition(text: string): ParsedFamily[] {
  const run = spawnSync("/usr/bin/python3", [script], { input: text, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`not a valid Prometheus exposition: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout) as ParsedFamily[];
}

/** The line structure the format requires: per family HELP, TYPE, then its samples, and no family twice. */
export function structureViolations(text: string): string[] {
  const problems: string[] = [];
  const done = new Set<string>();
  let current: string | undefined;
  let state: "help" | "type" | "samples" = "help";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) /.exec(line);
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) {
      if (done.has(help[1]!)) problems.push(`family ${help[1]} declared twice`);
      if (current) done.add(current);
      current = help[1]!;
      state = "type";
    } else if (type) {
      if (state !== "type" || type[1] !== current) problems.push(`TYPE ${type[1]} not right after its HELP`);
      state = "samples";
    } else {
      const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? \S+$/.exec(line);
      if (!name) problems.push(`malformed line: ${line}`);
      else if (state !== "samples" || name[1] !== current) problems.push(`sample ${name[1]} outside its family (${current})`);
    }
  }
  return problems;
}
