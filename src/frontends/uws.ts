// Loads uWebSockets.js's native build, or fails loudly. The package we install it through falls back to a
// slow pure-JS server (with only a console warning) when its binary does not load; Rivulet refuses to run
// on that fallback, because every throughput and backpressure promise depends on the native server.

import { createRequire } from "node:module";
import { RivuletError } from "../errors/index.js";

export type Uws = typeof import("uWebSockets.js");

export class UwsNativeUnavailableError extends RivuletError {
  constructor(binary: string, cause: unknown) {
    super(
      "UWS_NATIVE_UNAVAILABLE",
      `uWebSockets.js native build ${binary} failed to load (${(cause as Error)?.message ?? cause}): ` +
        `--transport uws needs it (Node 20 on x64/arm64 Linux or macOS, glibc >= 2.31); --transport node (the default where it does not load) runs on any Node.`,
      { cause },
    );
  }
}

let cached: Uws | undefined;

export function loadNativeUws(): Uws {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const binary = `uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  try {
    cached = require(binary) as Uws;
  } catch (error) {
    throw new UwsNativeUnavailableError(binary, error);
  }
  if (typeof cached.App !== "function" || typeof cached.us_listen_socket_close !== "function") {
    throw new UwsNativeUnavailableError(binary, new Error("module does not export App"));
  }
  return cached;
}
