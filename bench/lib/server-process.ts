// The broker side of the end-to-end benchmarks, in its own process so clients and broker do not share an
// event loop: `node build/bench/bench/lib/server-process.js <data-dir> [shards] [--kafka]` starts a server on
// free loopback ports (the Kafka listener too with --kafka), prints {"port":N,"kafkaPort":M,"pid":P} on
// stdout, and closes cleanly on SIGTERM/SIGINT (so `--cpu-prof` profiles get written). Topics run with
// flush off (page cache), as every throughput benchmark measures them. It runs the server from dist/
// (shards load dist/shard/worker.js), so `npm run build:ts` first. RIVULET_TRANSPORT picks the transport.
import { fileURLToPath } from "node:url";
import type * as ServerModule from "../../src/server.js";

const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));
const args = process.argv.slice(2).filter((a) => a !== "--kafka");
const kafka = process.argv.includes("--kafka");
const [dataDir, shardsText] = args;
if (!dataDir) {
  console.error("usage: server-process.js <data-dir> [shards] [--kafka]");
  process.exit(2);
}
const { startServer } = (await import(new URL("dist/server.js", `file://${repoRoot}`).href)) as typeof ServerModule;
const server = await startServer({
  dataDir,
  host: "127.0.0.1",
  port: 0,
  kafkaPort: kafka ? 0 : -1,
  shards: shardsText ? Number(shardsText) : undefined,
  logLevel: "error",
  // RIVULET_TRANSPORT=uws|node picks the HTTP/WebSocket transport (bench/transports.bench.ts); unset: auto.
  transport: process.env.RIVULET_TRANSPORT === "uws" || process.env.RIVULET_TRANSPORT === "node" ? process.env.RIVULET_TRANSPORT : undefined,
  topicDefaults: { flushMs: 3_600_000 },
});
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
