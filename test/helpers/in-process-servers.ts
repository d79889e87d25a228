// In-process servers on fresh temporary data dirs (both ports picked free), all closed and their dirs
// removed after the test file; `tempDir` hands out more directories cleaned up the same way.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { startServer, type RivuletServer, type ServerConfig } from "../../src/server.js";
import { testTransport } from "./transport.js";

export function inProcessServers(prefix: string) {
  const dirs: string[] = [];
  const servers: RivuletServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close().catch(() => {})));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = (name = prefix) => {
    const dir = mkdtempSync(join(tmpdir(), `rivulet-${name}-`));
    dirs.push(dir);
    return dir;
  };
  return {
    tempDir,
    /** Remembers a directory made elsewhere, to remove it with the rest. */
    adopt(dir: string) {
      dirs.push(dir);
    },
    async start(config: ServerConfig = {}): Promise<RivuletServer> {
      const server = await startServer({ dataDir: tempDir(), shards: 1, logLevel: "error", port: 0, kafkaPort: 0, transport: testTransport(), ...config });
      servers.push(server);
      return server;
    },
  };
}
