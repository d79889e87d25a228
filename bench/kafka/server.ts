// The broker side of bench/kafka.bench.ts, in its own process so clients and broker do not share an event
// loop: `node build/bench/bench/kafka/server.js <data-dir>` starts a server (WebSocket and Kafka listeners on
// free loopback ports), prints {"port":N,"kafkaPort":M} on stdout, and closes cleanly on SIGTERM. It runs
// the server from dist/ (shards load dist/shard/worker.js), so `npm run build:ts` first.
import { fileURLToPath } from "node:url";
import type * as ServerModule from "../../src/server.js";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const dataDir = process.argv[2];
if (!dataDir) {
  console.error("usage: server.js <data-dir>");
  process.exit(2);
}
const { startServer } = (await import(new URL("dist/server.js", `file://${repoRoot}`).href)) as typeof ServerModule;
// Flush off (page cache), as the broker and WebSocket benchmarks run it.
const server = await startServer({ dataDir, host: "127.0.0.1", port: 0, kafkaPort: 0, shards: 2, logLevel: "error", topicDefaults: { flushMs: 3_600_000 } });
process.stdout.write(JSON.stringify({ port: server.port, kafkaPort: server.kafkaPort, pid: process.pid }) + "\n");

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
