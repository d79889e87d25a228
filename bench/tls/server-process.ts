// The broker of the TLS benchmark in its own process, as bench/lib/server-process.ts but with TLS on both
// listeners when given a certificate: `node server-process.js <data-dir> [<cert.pem> <key.pem>]` prints
// {"port":N,"kafkaPort":M,"pid":P} and closes cleanly on SIGTERM. Runs the server from dist/.
import { fileURLToPath } from "node:url";
import type * as ServerModule from "../../src/server.js";

const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));
const [dataDir, certFile, keyFile] = process.argv.slice(2);
if (!dataDir) {
  console.error("usage: server-process.js <data-dir> [<cert.pem> <key.pem>]");
  process.exit(2);
}
const { startServer } = (await import(new URL("dist/server.js", `file://${repoRoot}`).href)) as typeof ServerModule;
const tls = certFile && keyFile ? { certFile, keyFile } : undefined;
const server = await startServer({ dataDir, host: "127.0.0.1", port: 0, kafkaPort: 0, shards: 2, logLevel: "error", topicDefaults: { flushMs: 3_600_000 }, tls, kafkaTls: tls });
process.stdout.write(JSON.stringify({ port: server.port, kafkaPort: server.kafkaPort, pid: process.pid }) + "\n");
const stop = () => void server.close().then(() => process.exit(0), () => process.exit(1));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
