// A broker in a child process for the storage fault tests, so it can be killed with SIGKILL mid-load.
// Runs the built server (dist/: `npm run build:ts` first). Started with fork():
//   argv[2]   JSON ServerConfig (dataDir, port, kafkaPort, shards, ...)
// IPC: -> { type: "ready", port, kafkaPort, pid } once both listeners are up
//      <- { type: "close" } -> graceful close, then exit 0
import { startServer } from "../../dist/server.js";

const config = JSON.parse(process.argv[2] ?? "{}");
const server = await startServer({ logLevel: "error", host: "127.0.0.1", ...config });
process.on("message", async (message) => {
  if (message?.type === "close") {
    await server.close();
    process.exit(0);
  }
});
process.on("disconnect", () => void server.close().finally(() => process.exit(0)));
process.send({ type: "ready", port: server.port, kafkaPort: server.kafkaPort, pid: process.pid });
