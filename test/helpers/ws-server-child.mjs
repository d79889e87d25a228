// A Rivulet server in a child process, for tests that measure the server alone (memory) or need it to be
// killable. Runs the built server (dist/: `npm run build:ts` first). Started with fork():
//   argv[2]   JSON ServerConfig (dataDir, port, shards, ws: { ... })
// IPC protocol (process.send / 'message'):
//   -> { type: "ready", port, pid }                       once listening
//   <- { type: "stats", id }  -> { type: "stats", id, rss, heapUsed, external, arrayBuffers, sessions: [...] }
//   <- { type: "close", id }  -> { type: "closed", id }  then the process exits
// The child exits by itself when its parent goes away (the IPC channel closes).
import { startServer } from "../../dist/server.js";

const config = JSON.parse(process.argv[2] ?? "{}");
// RIVULET_TRANSPORT as in ./transport.ts (the environment is inherited from the test process).
const transport = ["uws", "node"].includes(process.env.RIVULET_TRANSPORT ?? "") ? process.env.RIVULET_TRANSPORT : undefined;
const server = await startServer({ logLevel: "error", transport, ...config });

process.on("message", async (message) => {
  if (message?.type === "stats") {
    const memory = process.memoryUsage();
    const sessions = [...server.ws.sessions].map((s) => ({
      id: s.id,
      socketPaused: s.isSocketPaused,
      framesOut: s.framesOut,
      bytesOut: s.bytesOut,
      subscriptions: [...s.subscriptions.values()].map((sub) => ({ id: sub.id, credit: sub.credit, offsets: sub.cursors.map((c) => String(c.offset)) })),
    }));
    process.send({ type: "stats", id: message.id, rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers, sessions });
  } else if (message?.type === "close") {
    await server.close();
    process.send({ type: "closed", id: message.id }, () => process.exit(0));
  }
});
process.on("disconnect", () => {
  void server.close().finally(() => process.exit(0));
});
process.send({ type: "ready", port: server.port, pid: process.pid });
