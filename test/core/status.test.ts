import { describe, expect, it } from "vitest";
import { core } from "../../src/core/instance.js";
import { Status } from "../../src/core/status.js";

describe("status table", () => {
  it("mirrors the WASM module's exported STATUS_* globals one to one", () => {
    const fromWasm: Record<string, number> = {};
    for (const [name, value] of Object.entries(core)) {
      if (name.startsWith("STATUS_")) fromWasm[name.slice(7)] = (value as WebAssembly.Global).value as number;
    }
    expect(fromWasm).toEqual({ ...Status });
  });
});
