// A minimal Kafka client for the CLI's admin commands against a running broker (`--bootstrap`): one TCP
// connection, our own sans-IO codecs, requests answered in order, and SASL (PLAIN or SCRAM) first when
// credentials are given. Only what `rivulet users` and `rivulet acls` need.

import { connect, type Socket } from "node:net";
import {
  decodeResponseFrame,
  encodeRequestFrame,
  FrameDecoder,
  ApiKey,
  type ApiKeyValue,
  type RequestOf,
  type ResponseOf,
} from "../protocol/kafka/index.js";
import { kafkaErrorByCode } from "../errors/index.js";
import { isScramMechanism, ScramClient } from "../security/index.js";
import { CliError } from "./errors.js";

export interface AdminAuth {
  user: string;
  password: string;
  mechanism: string;
}

export class KafkaAdminConnection {
  private readonly decoder = new FrameDecoder();
  private readonly frames: Uint8Array[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private correlationId = 1;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.frames.push(...this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      this.waiter?.();
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.waiter?.();
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new CliError("the broker closed the connection (authentication refused?)")));
  }

  static async open(bootstrap: string, auth?: AdminAuth): Promise<KafkaAdminConnection> {
    // Several addresses (a cluster: h1:9092,h2:9092): the first that accepts the connection.
    const addresses = bootstrap.split(",").map((a) => a.trim()).filter(Boolean);
    let socket: ReturnType<typeof connect> | undefined;
    let lastError: unknown;
    for (const address of addresses) {
      const at = address.lastIndexOf(":");
      const host = at > 0 ? address.slice(0, at).replace(/^\[|\]$/g, "") : address;
      const port = at > 0 ? Number(address.slice(at + 1)) : 9092;
      const attempt = connect({ host, port });
      try {
        await new Promise<void>((resolve, reject) => {
          attempt.once("connect", resolve);
          attempt.once("error", reject);
        });
        socket = attempt;
        break;
      } catch (error) {
        lastError = error;
        attempt.destroy();
      }
    }
    if (!socket) throw lastError ?? new CliError("--bootstrap: no address given");
    const c = new KafkaAdminConnection(socket);
    if (auth) await c.authenticate(auth);
    return c;
  }

  async request<K extends ApiKeyValue>(apiKey: K, version: number, request: RequestOf<K>): Promise<ResponseOf<K>> {
    const correlationId = this.correlationId++;
    this.socket.write(Buffer.concat(encodeRequestFrame(apiKey, version, correlationId, "rivulet-cli", request)));
    while (this.frames.length === 0) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const frame = this.frames.shift()!;
    const decoded = decodeResponseFrame(apiKey, version, frame);
    if (decoded.correlationId !== correlationId) throw new CliError(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.response;
  }

  private async authenticate(auth: AdminAuth): Promise<void> {
    const handshake = await this.request(ApiKey.SaslHandshake, 1, { mechanism: auth.mechanism });
    if (handshake.errorCode !== 0) throw new CliError(`SASL handshake failed: ${kafkaErrorByCode(handshake.errorCode)} (offered: ${handshake.mechanisms.join(", ")})`);
    const step = async (bytes: Uint8Array) => {
      const r = await this.request(ApiKey.SaslAuthenticate, 1, { authBytes: bytes });
      if (r.errorCode !== 0) throw new CliError(`authentication failed: ${r.errorMessage ?? kafkaErrorByCode(r.errorCode)}`);
      return r.authBytes;
    };
    if (auth.mechanism === "PLAIN") {
      await step(Buffer.from(`\u0000${auth.user}\u0000${auth.password}`, "utf8"));
    } else if (isScramMechanism(auth.mechanism)) {
      const scram = new ScramClient(auth.mechanism, auth.user, auth.password);
      const serverFirst = await step(scram.first());
      scram.verify(await step(await scram.final(serverFirst)));
    } else {
      throw new CliError(`--admin-mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got ${auth.mechanism}`);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Flags shared by `users` and `acls` to reach a running broker instead of a data directory. */
export const adminFlags = {
  bootstrap: { kind: "string", description: "a running broker's Kafka address (host:port; a cluster: several, comma-separated); default: edit --data-dir of a stopped broker", env: "RIVULET_BOOTSTRAP", placeholder: "HOST:PORT" },
  "admin-user": { kind: "string", description: "SASL user for --bootstrap", env: "RIVULET_ADMIN_USER", placeholder: "NAME" },
  "admin-password": { kind: "string", description: "SASL password for --bootstrap", env: "RIVULET_ADMIN_PASSWORD", placeholder: "PASSWORD" },
  "admin-mechanism": { kind: "string", description: "SASL mechanism for --bootstrap", default: "SCRAM-SHA-256", choices: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], env: "RIVULET_ADMIN_MECHANISM", placeholder: "MECH" },
} as const;

export async function withAdmin<T>(flags: { bootstrap?: string; "admin-user"?: string; "admin-password"?: string; "admin-mechanism": string }, body: (c: KafkaAdminConnection) => Promise<T>): Promise<T> {
  const auth = flags["admin-user"] ? { user: flags["admin-user"], password: flags["admin-password"] ?? "", mechanism: flags["admin-mechanism"] } : undefined;
  const c = await KafkaAdminConnection.open(flags.bootstrap!, auth);
  try {
    return await body(c);
  } finally {
    c.close();
  }
}
