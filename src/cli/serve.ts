// `rivulet serve` (and `npm start`): runs a broker with embedded defaults; every setting has a flag and an
// environment variable. Logs are JSON lines on stderr; at the default level (info) one "rivulet listening"
// line tells an operator where to connect. SIGINT/SIGTERM close gracefully (flush, stop listeners, release
// the data-directory lock); a second signal exits at once.

import { availableParallelism } from "node:os";
import { createLogger, type LogLevel } from "../log.js";
import { startServer, type ServerConfig } from "../server.js";
import { defineCommand } from "./command.js";
import { UsageError } from "./errors.js";
import { securityConfig, securityFlags } from "./security-flags.js";

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

function wildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "";
}

export const serve = defineCommand({
  name: "serve",
  summary: "Run a broker: HTTP + WebSocket (/ws) on --port, the Kafka protocol on --kafka-port.",
  flags: {
    "data-dir": { kind: "string", description: "directory for partitions and metadata (one broker per directory)", default: "./data", env: "RIVULET_DATA_DIR", placeholder: "DIR" },
    host: { kind: "string", description: "interface to bind", default: "0.0.0.0", env: "RIVULET_HOST", placeholder: "HOST" },
    port: { kind: "integer", description: "HTTP + WebSocket port (0 picks a free one)", default: 8080, min: 0, env: "RIVULET_PORT" },
    "kafka-port": { kind: "integer", description: "Kafka protocol port (0 picks a free one, -1 disables it)", default: 9092, min: -1, env: "RIVULET_KAFKA_PORT" },
    "advertised-host": { kind: "string", description: "host clients are told to connect to (default: the bound host)", env: "RIVULET_ADVERTISED_HOST", placeholder: "HOST" },
    "advertised-port": { kind: "integer", description: "Kafka port clients are told to connect to (default: the bound one)", min: 1, env: "RIVULET_ADVERTISED_PORT" },
    shards: { kind: "integer", description: `shard worker threads, one owner per partition (default: available parallelism, ${availableParallelism()} here)`, min: 1, env: "RIVULET_SHARDS" },
    "log-level": { kind: "string", description: "least severe level logged", default: "info", choices: LOG_LEVELS, env: "RIVULET_LOG_LEVEL", placeholder: "LEVEL" },
    ...securityFlags,
  },
  details: ["Logs are JSON lines on stderr. SIGINT or SIGTERM shuts down gracefully; a second signal exits at once."],
  async run({ flags }) {
    const level = flags["log-level"] as LogLevel;
    const logger = createLogger({ level });
    if (flags.port > 65535) throw new UsageError(`--port must be at most 65535, got ${flags.port}`);
    if (flags["kafka-port"] > 65535) throw new UsageError(`--kafka-port must be at most 65535, got ${flags["kafka-port"]}`);
    const config: ServerConfig = {
      dataDir: flags["data-dir"],
      host: flags.host,
      port: flags.port,
      kafkaPort: flags["kafka-port"],
      advertisedHost: flags["advertised-host"],
      advertisedPort: flags["advertised-port"],
      shards: flags.shards ?? availableParallelism(),
      logLevel: level,
      logger,
      security: securityConfig(flags),
    };
    const server = await startServer(config);
    const publicHost = flags["advertised-host"] ?? (wildcard(flags.host) ? "127.0.0.1" : flags.host);
    const urlHost = publicHost.includes(":") ? `[${publicHost}]` : publicHost;
    // The bound Kafka port as the server reports it (-1: disabled); the configured one if it reports none.
    const kafkaPort = (server as { kafkaPort?: number }).kafkaPort ?? config.kafkaPort;
    logger.info("rivulet listening", {
      ws: `ws://${urlHost}:${server.port}/ws`,
      http: `http://${urlHost}:${server.port}`,
      bind: `${flags.host}:${server.port}`,
      kafkaPort: kafkaPort === -1 ? "disabled" : kafkaPort,
      dataDir: flags["data-dir"],
      shards: config.shards,
      pid: process.pid,
    });

    return new Promise<number>((resolve) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn("second signal: exiting without a clean shutdown", { signal });
          process.exit(1);
        }
        stopping = true;
        logger.info("shutting down", { signal });
        server.close().then(
          () => resolve(0),
          (error: unknown) => {
            logger.error("shutdown failed", { error });
            resolve(1);
          },
        );
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    });
  },
});
