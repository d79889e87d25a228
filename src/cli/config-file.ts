// `--config FILE`: the settings of `rivulet serve` in a TOML or JSON file (by extension: .toml, else
// JSON). Keys are the flag names (`data-dir = "/var/lib/rivulet"`, `allowed-origins = ["https://a.example"]`);
// flags and environment variables override the file.

import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { UsageError } from "./errors.js";

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--config ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith(".toml") ? parseToml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--config ${path}: not valid ${path.endsWith(".toml") ? "TOML" : "JSON"}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UsageError(`--config ${path}: expected a table of settings`);
  return parsed as Record<string, unknown>;
}
