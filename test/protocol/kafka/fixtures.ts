// Loads the golden frames under test/fixtures/kafka/<source>/<api>_<request|response>_v<N>_<seq>.hex.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiKey, type ApiKeyValue } from "../../../src/protocol/kafka/index.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/kafka");

export interface GoldenFrame {
  name: string;
  apiKey: ApiKeyValue;
  direction: "request" | "response";
  version: number;
  /** The whole frame, size prefix included. */
  bytes: Uint8Array;
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

const keyBySnake = new Map<string, ApiKeyValue>(
  Object.entries(ApiKey).map(([name, key]) => [name.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase()), key]),
);

export function loadFrames(source: string): GoldenFrame[] {
  const dir = join(FIXTURES, source);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".hex"))
    .sort()
    .map((file) => {
      const name = file.slice(0, -4);
      const m = /^(.+)_(request|response)_v(\d+)_(\d{3})$/.exec(name);
      if (!m) throw new Error(`bad fixture name ${file}`);
      const apiKey = keyBySnake.get(m[1]!);
      if (apiKey === undefined) throw new Error(`unknown api in ${file}`);
      return {
        name,
        apiKey,
        direction: m[2] as "request" | "response",
        version: Number(m[3]),
        bytes: hexToBytes(readFileSync(join(dir, file), "utf8")),
      };
    });
}
