// The TCP ends of the replication wire: ReplicaServer on every broker (leaders answer followers there)
// and ReplicaClient, one connection per leader a follower fetches from. Every connection runs the
// handshake of replica-auth.ts first: the server serves nothing, and the client sends no request, until
// the other side has proved it holds the cluster secret.
//
// With the broker's TLS certificate set, the server listens with TLS (1.3) and says so in its etcd
// registration; clients then connect with TLS without checking the certificate (it may name a public
// host, not the advertised one): the handshake's proofs, bound to the TLS session (replica-auth.ts),
// authenticate both ends instead, so a man in the middle is refused.

import { createConnection, createServer, isIP, type Server, type Socket } from "node:net";
import { connect as connectTls, createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from "node:tls";
import { asRivuletError } from "../errors/index.js";
import type { Logger } from "../log.js";
import { RefusalLog } from "../refusal-log.js";
import { CHANNEL_BINDING_BYTES, CHANNEL_BINDING_LABEL, ClientHandshake, ServerHandshake, type HandshakeHeader } from "./replica-auth.js";
import { encodeFrame, FrameReader, type Frame } from "./wire.js";

/** The broker at the other end of a server connection, as its handshake proved it. */
export interface ReplicaPeer {
  readonly brokerId: number;
  readonly address: string;
}

export type ReplicaHandler = (header: Frame["header"], peer: ReplicaPeer) => Promise<{ header: Record<string, unknown>; body?: Uint8Array }>;

/** This broker's side of the handshake: the cluster secret and its own id. */
export interface ReplicaCredentials {
  readonly secret: Uint8Array;
  readonly brokerId: number;
}

/** Refusals are logged per peer address at most once a minute (src/refusal-log.ts); the reason names no secret or proof. */
const NOT_AUTHENTICATED = "replication connection refused: not authenticated";

/** A connection that has not authenticated by then is closed (a peer holding sockets open for nothing). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The broker's certificate and key (security/tls-files.ts, loaded). */
export interface ReplicaTls {
  cert: Buffer;
  key: Buffer;
  passphrase?: string;
}

export interface ReplicaServerOptions {
  /** Listen with TLS (1.3). */
  tls?: ReplicaTls;
  handshakeTimeoutMs?: number;
}

/** A connection's channel binding (replica-auth.ts): its TLS exporter value, or nothing on plain TCP. */
function channelBinding(socket: Socket): Buffer | undefined {
  return "exportKeyingMaterial" in socket ? (socket as TLSSocket).exportKeyingMaterial(CHANNEL_BINDING_BYTES, CHANNEL_BINDING_LABEL, Buffer.alloc(0)) : undefined;
}

export class ReplicaServer {
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server, readonly port: number, readonly tls: boolean) {}

  static async start(host: string, port: number, handler: ReplicaHandler, logger: Logger, credentials: ReplicaCredentials, options: ReplicaServerOptions = {}): Promise<ReplicaServer> {
    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    const sockets = new Set<Socket>();
    const refusals = new RefusalLog(logger);
    // With TLS this runs once the TLS handshake is done (its own time limit: handshakeTimeout).
    const onConnection = (socket: Socket) => {
      sockets.add(socket);
      socket.setNoDelay(true);
      const address = socket.remoteAddress ?? "unknown";
      const reader = new FrameReader();
      const handshake = new ServerHandshake(credentials.secret, credentials.brokerId, channelBinding(socket));
      let peer: ReplicaPeer | undefined;
      let refused = false;
      const deadline = setTimeout(() => {
        refusals.warn(NOT_AUTHENTICATED, address, { reason: `did not authenticate within ${handshakeTimeoutMs} ms` });
        socket.destroy();
      }, handshakeTimeoutMs);
      const refuse = (reason: string, reply?: HandshakeHeader) => {
        refused = true;
        clearTimeout(deadline);
        refusals.warn(NOT_AUTHENTICATED, address, { reason });
        if (!reply) return void socket.destroy();
        socket.end(encodeFrame(reply));
        // end() waits for the peer's FIN; a peer that never sends it is not waited for.
        setTimeout(() => socket.destroy(), 1000).unref();
      };
      socket.write(encodeFrame(handshake.challenge()));
      socket.on("data", (chunk) => {
        if (refused) return;
        let frames: Frame[];
        try {
          frames = reader.push(chunk);
        } catch (error) {
          if (peer) logger.warn("bad replication frame; closing the connection", { peer: peer.brokerId, error: String(error) });
          else refuse(`unreadable frame before authenticating (${String(error)})`);
          socket.destroy();
          return;
        }
        for (const frame of frames) {
          if (!peer) {
            const step = handshake.receive(frame.header);
            if (step.kind !== "done") return refuse(step.reason, step.reply);
            clearTimeout(deadline);
            peer = { brokerId: step.peerId, address };
            socket.write(encodeFrame(step.reply!));
            continue;
          }
          handler(frame.header, peer).then(
            (reply) => socket.writable && socket.write(encodeFrame({ ...reply.header, id: frame.header.id }, reply.body)),
            (error: unknown) => socket.writable && socket.write(encodeFrame({ id: frame.header.id, error: errorCode(error), message: String(error) })),
          );
        }
      });
      socket.on("error", () => {});
      socket.on("close", () => {
        clearTimeout(deadline);
        sockets.delete(socket);
      });
    };
    const server: Server = options.tls
      ? createTlsServer({ ...options.tls, minVersion: "TLSv1.3", handshakeTimeout: handshakeTimeoutMs }, onConnection).on("tlsClientError", (error, socket) => {
          refusals.warn(NOT_AUTHENTICATED, socket.remoteAddress ?? "unknown", { reason: `TLS handshake failed (${error.message})` });
        })
      : createServer(onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    const self = new ReplicaServer(server, typeof address === "object" && address ? address.port : port, options.tls !== undefined);
    for (const s of sockets) self.sockets.add(s);
    server.on("connection", (s) => {
      self.sockets.add(s);
      s.on("close", () => self.sockets.delete(s));
    });
    return self;
  }

  /** New certificates for new connections (SIGHUP); open ones carry on. Only on a server started with TLS. */
  reloadTls(tls: ReplicaTls): void {
    if (this.tls) (this.server as TlsServer).setSecureContext(tls);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The error's Kafka code name for the other side (a raw errno error's "ENOSPC" is not one: asRivuletError). */
function errorCode(error: unknown): string {
  return asRivuletError(error).code;
}

/** The state of one connection: requests wait in `queued` until the handshake is done. */
interface Connection {
  socket: Socket;
  ready: boolean;
  queued: Buffer[];
}

/** One connection to a leader (broker `peerId`, with TLS if its registration says so); reconnects on the next request after a failure. */
export class ReplicaClient {
  private connection: Connection | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (f: Frame) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;

  constructor(readonly host: string, readonly port: number, readonly peerId: number, private readonly credentials: ReplicaCredentials, readonly tls = false) {}

  request(header: Record<string, unknown>, timeoutMs: number): Promise<Frame> {
    if (this.closed) return Promise.reject(new Error("replica client closed"));
    const connection = this.connect();
    const id = this.nextId++;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`replication request timed out after ${timeoutMs} ms`));
        // A leader that stopped answering (SIGSTOP, partition): start over on a fresh connection.
        this.reset(new Error("timed out"));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const bytes = encodeFrame({ ...header, id });
      if (connection.ready) connection.socket.write(bytes);
      else connection.queued.push(bytes);
    });
  }

  private connect(): Connection {
    if (this.connection) return this.connection;
    // The certificate is not checked: the handshake's proofs bound to this TLS session authenticate the leader.
    const socket = this.tls
      ? connectTls({ host: this.host, port: this.port, minVersion: "TLSv1.3", rejectUnauthorized: false, ...(isIP(this.host) ? {} : { servername: this.host }) })
      : createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    const connection: Connection = { socket, ready: false, queued: [] };
    // Made at the first frame (the challenge), when a TLS session is established and its binding known.
    let handshake: ClientHandshake | undefined;
    const reader = new FrameReader();
    // Only this connection's own events reset it: a replaced one's late "close" must not end its successor.
    const fail = (error: Error) => this.connection === connection && this.reset(error);
    socket.on("data", (chunk) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        fail(error as Error);
        return;
      }
      for (const frame of frames) {
        if (!connection.ready) {
          handshake ??= new ClientHandshake(this.credentials.secret, this.credentials.brokerId, this.peerId, channelBinding(socket));
          const step = handshake.receive(frame.header);
          if (step.kind === "fail") return void fail(new Error(`SASL_AUTHENTICATION_FAILED: replication peer ${this.host}:${this.port} (broker ${this.peerId}): ${step.reason}`));
          if (step.reply) socket.write(encodeFrame(step.reply));
          if (step.kind === "done") {
            connection.ready = true;
            for (const bytes of connection.queued) socket.write(bytes);
            connection.queued = [];
          }
          continue;
        }
        const waiter = this.pending.get(frame.header.id);
        if (!waiter) continue;
        this.pending.delete(frame.header.id);
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
      }
    });
    socket.on("error", (error) => fail(error));
    socket.on("close", () => fail(new Error("connection closed")));
    this.connection = connection;
    return connection;
  }

  private reset(error: Error): void {
    if (!this.connection) return;
    const { socket } = this.connection;
    this.connection = undefined;
    socket.destroy();
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
      this.pending.delete(id);
    }
  }

  close(): void {
    this.closed = true;
    this.reset(new Error("replica client closed"));
  }
}
