// Starts a whole Rivulet server: the broker core plus its front ends. `rivulet serve`, the tests and the
// end-to-end benchmarks all start it through here.

import { createBroker, type Broker, type BrokerConfig } from "./cluster/index.js";
import { createBrokerCoordinator, type GroupCoordinator } from "./groups/index.js";
import { createLogger, type Logger, type LogLevel } from "./log.js";
import { startWsServer, type WsServer, type WsServerOptions } from "./transport/ws/server.js";

export interface ServerConfig extends BrokerConfig {
  /** Interface the listeners bind. Default 0.0.0.0. */
  host?: string;
  /** HTTP + WebSocket port (0 = pick a free one). Default 8080. */
  port?: number;
  /** Kafka protocol port (0 = pick a free one, -1 = disabled). Default 9092. */
  kafkaPort?: number;
  /** Host/port Kafka clients are told to connect to (Metadata); default host/port as bound. */
  advertisedHost?: string;
  advertisedPort?: number;
  ws?: Omit<WsServerOptions, "host" | "port" | "logger">;
}

export interface RivuletServer {
  readonly broker: Broker;
  /** Consumer groups and committed offsets, shared by both front ends. */
  readonly coordinator: GroupCoordinator;
  readonly ws: WsServer;
  /** The bound WebSocket/HTTP port. */
  readonly port: number;
  readonly logger: Logger;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig = {}): Promise<RivuletServer> {
  const logger = config.logger ?? createLogger({ level: (config.logLevel ?? "info") as LogLevel });
  const broker = await createBroker({ ...config, logger });
  let ws: WsServer;
  let coordinator: GroupCoordinator;
  try {
    coordinator = await createBrokerCoordinator(broker, { logger });
    ws = await startWsServer(broker, { ...config.ws, host: config.host, port: config.port ?? 8080, logger, coordinator });
  } catch (error) {
    await broker.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    broker,
    coordinator,
    ws,
    port: ws.port,
    logger,
    close() {
      closing ??= (async () => {
        await ws.close();
        coordinator.close();
        await broker.close();
        logger.info("server stopped");
      })();
      return closing;
    },
  };
}
