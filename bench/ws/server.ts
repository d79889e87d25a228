// The broker side of bench/ws.bench.ts, in its own process so client and broker do not share an event
// loop: `node build/bench/bench/ws/server.js <data-dir>` starts a server on a free loopback port, prints
// {"port":N} on stdout, and closes cleanly on SIGTERM/SIGINT (so `--cpu-prof` profiles get written).
// It runs the server from dist/ (shards load dist/shard/worker.js), so `npm run build:ts` first.
import type * as ServerModule from "../../src/server.js";
import { repoRoot } from "./common.js";

const dataDir = process.argv[2];
if (!dataDir) {
  console.error("usage: server.js <data-dir> [shards]");
  process.exit(2);
}
const shards = process.argv[3] ? Number(process.argv[3]) : undefined;
const { startServer } = (await import(new URL("dist/server.js", `file://${repoRoot}`).href)) as typeof ServerModule;
const server = await startServer({ dataDir, host: "127.0.0.1", port: 0, kafkaPort: -1, shards, logLevel: "error" });
process.stdout.write(JSON.stringify({ port: server.port, pid: process.pid }) + "\n");

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
