// A Rivulet server (built dist/) in a child process, so a test can measure its memory alone.
//   argv[2]: JSON ServerConfig.   -> { type: "ready", port, kafkaPort }
//   <- { type: "stats" } -> { type: "stats", rss, arrayBuffers, inUse, waiting, waits }
//   <- { type: "create", name, partitions } -> { type: "created", error?: { code, message } }
// Exits when the parent goes away.
import { startServer } from "../../dist/server.js";

const config = JSON.parse(process.argv[2] ?? "{}");
const server = await startServer({ logLevel: "error", host: "127.0.0.1", ...config });

process.on("message", (message) => {
  if (message?.type === "stats") {
    globalThis.gc?.();
    const m = process.memoryUsage();
    const budget = server.broker.requestMemory;
    process.send({ type: "stats", rss: m.rss, arrayBuffers: m.arrayBuffers, inUse: budget.inUse, waiting: budget.waiting, waits: budget.waits });
  }
});
process.on("message", (message) => {
  if (message?.type !== "create") return;
  server.broker.createTopic(message.name, { partitions: message.partitions }).then(
    () => process.send({ type: "created" }),
    (error) => process.send({ type: "created", error: { code: error.code, message: String(error.message).slice(0, 300) } }),
  );
});
process.on("disconnect", () => void server.close().finally(() => process.exit(0)));
process.send({ type: "ready", port: server.port, kafkaPort: server.kafkaPort });
