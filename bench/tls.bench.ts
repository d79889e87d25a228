// The cost of TLS on both front ends, side by side in one run: one broker process with plaintext listeners
// and one with TLS on both (PEM files from a throwaway CA, P-256), the same workloads against each, every
// repetition running every cell (rep-major), so the ratios come from the same conditions.
//
//   produce / consume   N records of 100-byte values to one partition, then read back from the start, with
//                       kafkajs 2.2.4, kcat (librdkafka 2.0.2) and src/client over WebSocket (bench/kafka/
//                       workloads.ts, given the CA to trust)
//   connect             K sequential connections, each timed until it can serve: Kafka = TCP (+ TLS
//                       handshake) + one ApiVersions round trip; WebSocket = src/client connect() until
//                       WELCOME; median and p99 in ms
//
// Needs dist/ (`npm run build:ts`), openssl and kcat. Knobs: TLS_BENCH_RECORDS (default 100000),
// TLS_BENCH_CONNECTS (200), TLS_BENCH_REPS (3). JSON in bench/results/tls.json.
import { spawn, type ChildProcess } from "node:child_process";
import { brokerNodeFlags } from "./ws/common.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { connect as tlsConnect } from "node:tls";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import type * as ClientModule from "../src/client/index.js";
import { ApiKey, decodeResponseFrame, encodeRequestFrame, FrameDecoder } from "../src/protocol/kafka/index.js";
import { kafkajsConsume, kafkajsProduce, kcatConsume, kcatProduce, wsConsume, wsProduce, type Timing, type Transport } from "./kafka/workloads.js";
import { report, type Row } from "./lib/report.js";
import { makeCerts } from "./tls/certs.js";

const RECORDS = Number(process.env.TLS_BENCH_RECORDS ?? "100000");
const CONNECTS = Number(process.env.TLS_BENCH_CONNECTS ?? "200");
const REPS = Number(process.env.TLS_BENCH_REPS ?? "3");
const VALUE_BYTES = 100;
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const progress = (m: string) => process.stderr.write(`[tls] ${m}\n`);
const now = () => performance.now();

interface Broker {
  url: string;
  bootstrap: string;
  kafkaPort: number;
  stop(): Promise<void>;
}

async function startBroker(dataDir: string, tls?: { cert: string; key: string }): Promise<Broker> {
  const script = fileURLToPath(new URL("./tls/server-process.js", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [...brokerNodeFlags(), script, dataDir, ...(tls ? [tls.cert, tls.key] : [])], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<{ port: number; kafkaPort: number }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", (line) => resolve(JSON.parse(line) as { port: number; kafkaPort: number }));
    child.once("exit", (code) => reject(new Error(`broker process exited with ${code} before listening`)));
  });
  return {
    url: `${tls ? "wss" : "ws"}://127.0.0.1:${ready.port}/ws`,
    bootstrap: `127.0.0.1:${ready.kafkaPort}`,
    kafkaPort: ready.kafkaPort,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One Kafka connection until it can serve: connect (+ handshake), ApiVersions v3 and its answer. */
async function kafkaConnectOnce(port: number, ca: string | undefined): Promise<number> {
  const start = now();
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = ca ? tlsConnect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => resolve(s)) : netConnect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
  const decoder = new FrameDecoder();
  const answered = new Promise<void>((resolve, reject) => {
    socket.on("data", (d: Buffer) => {
      const frames = decoder.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      if (frames.length) {
        if (decodeResponseFrame(ApiKey.ApiVersions, 3, frames[0]!).response.errorCode !== 0) reject(new Error("ApiVersions failed"));
        resolve();
      }
    });
    socket.once("error", reject);
  });
  socket.write(Buffer.concat(encodeRequestFrame(ApiKey.ApiVersions, 3, 1, "bench-tls", { clientSoftwareName: "bench", clientSoftwareVersion: "1" })));
  await answered;
  const ms = now() - start;
  socket.destroy();
  return ms;
}

async function wsConnectOnce(client: typeof ClientModule, url: string, transport: Transport): Promise<number> {
  const start = now();
  const c = await client.connect({ url, WebSocket: transport.WebSocket as never, reconnect: false });
  const ms = now() - start;
  c.close();
  return ms;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const median = (xs: number[]) => quantile(xs, 0.5);

const certs = makeCerts();
const caPem = readFileSync(certs.ca, "utf8");
class TrustingWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { ca: caPem });
  }
}
const transports: Record<"plaintext" | "TLS", Transport> = {
  plaintext: {},
  TLS: { ssl: { ca: [caPem] }, kcat: ["-X", "security.protocol=ssl", "-X", `ssl.ca.location=${certs.ca}`], WebSocket: TrustingWebSocket },
};
const dirs = [mkdtempSync(join(tmpdir(), "rivulet-tls-bench-plain-")), mkdtempSync(join(tmpdir(), "rivulet-tls-bench-tls-"))];
const brokers = { plaintext: await startBroker(dirs[0]!), TLS: await startBroker(dirs[1]!, certs) };
const client = (await import(new URL("dist/client/index.js", `file://${repoRoot}`).href)) as typeof ClientModule;

const values = Array.from({ length: RECORDS }, (_, i) => Buffer.from(`${String(i).padStart(10, "0")}-${"x".repeat(VALUE_BYTES - 11)}`));
const stdin = Buffer.concat(values.flatMap((v) => [v, Buffer.from("\n")]));
const clients = ["kafkajs", "kcat", "websocket"] as const;
const modes = ["plaintext", "TLS"] as const;
const rates = new Map<string, number[]>();
const connects = new Map<string, number[]>();
const push = <T>(map: Map<string, T[]>, key: string, ...xs: T[]) => map.set(key, [...(map.get(key) ?? []), ...xs]);

try {
  const admins = { plaintext: await client.connect({ url: brokers.plaintext.url }), TLS: await client.connect({ url: brokers.TLS.url, WebSocket: TrustingWebSocket as never }) };
  let n = 0;
  for (let rep = 0; rep < REPS; rep++) {
    for (const who of clients) {
      for (const mode of modes) {
        const broker = brokers[mode];
        const t = transports[mode];
        const topic = `tls-${who}-${n++}`;
        await admins[mode].admin.createTopic(topic, { partitions: 1 });
        let p: Timing;
        let c: Timing;
        if (who === "kafkajs") {
          p = await kafkajsProduce(broker.bootstrap, topic, values, 1000, 8, t);
          c = await kafkajsConsume(broker.bootstrap, topic, RECORDS, t);
        } else if (who === "kcat") {
          p = await kcatProduce(broker.bootstrap, topic, stdin, RECORDS, t);
          c = await kcatConsume(broker.bootstrap, topic, RECORDS, VALUE_BYTES + 1, t);
        } else {
          p = await wsProduce(client, broker.url, topic, values, t);
          c = await wsConsume(client, broker.url, topic, RECORDS, t);
        }
        push(rates, `produce/${who}/${mode}`, p.records / p.seconds);
        push(rates, `consume/${who}/${mode}`, c.records / c.seconds);
        progress(`rep ${rep + 1}/${REPS} ${who} ${mode}: produce ${(p.records / p.seconds / 1e3).toFixed(0)} k rec/s, consume ${(c.records / c.seconds / 1e3).toFixed(0)} k rec/s`);
        await admins[mode].admin.deleteTopic(topic).catch(() => {});
      }
    }
    for (const mode of modes) {
      const ca = mode === "TLS" ? caPem : undefined;
      const kafka: number[] = [];
      const ws: number[] = [];
      for (let i = 0; i < CONNECTS; i++) kafka.push(await kafkaConnectOnce(brokers[mode].kafkaPort, ca));
      for (let i = 0; i < CONNECTS; i++) ws.push(await wsConnectOnce(client, brokers[mode].url, transports[mode]));
      push(connects, `kafka/${mode}`, ...kafka);
      push(connects, `websocket/${mode}`, ...ws);
      progress(`rep ${rep + 1}/${REPS} connect ${mode}: kafka median ${median(kafka).toFixed(2)} ms, websocket median ${median(ws).toFixed(2)} ms`);
    }
  }
  admins.plaintext.close();
  admins.TLS.close();
} finally {
  await Promise.all([brokers.plaintext.stop(), brokers.TLS.stop()]);
  for (const dir of [...dirs, certs.dir]) rmSync(dir, { recursive: true, force: true });
}

const rows: Row[] = [];
const names = { kafkajs: "kafkajs 2.2.4 (Kafka port)", kcat: "kcat / librdkafka 2.0.2 (Kafka port)", websocket: "src/client (WebSocket port)" };
for (const op of ["produce", "consume"] as const) {
  for (const who of clients) {
    const plain = median(rates.get(`${op}/${who}/plaintext`)!);
    for (const mode of modes) {
      const runs = rates.get(`${op}/${who}/${mode}`)!;
      const rate = median(runs);
      rows.push({ group: op, name: `${names[who]}, ${mode}`, value: Math.round(rate), unit: "records/s", "MB/s": Number(((rate * VALUE_BYTES) / 1e6).toFixed(1)), "vs plaintext": Number((rate / plain).toFixed(2)), range: `${Math.round(Math.min(...runs))}-${Math.round(Math.max(...runs))}`, reps: runs.length });
    }
  }
}
for (const door of ["kafka", "websocket"] as const) {
  const plain = median(connects.get(`${door}/plaintext`)!);
  for (const mode of modes) {
    const ms = connects.get(`${door}/${mode}`)!;
    rows.push({ group: "connect", name: `${door === "kafka" ? "Kafka: connect + ApiVersions" : "WebSocket: connect() to WELCOME"}, ${mode}`, value: Number(median(ms).toFixed(3)), unit: "ms (median)", p99: Number(quantile(ms, 0.99).toFixed(3)), "vs plaintext": Number((median(ms) / plain).toFixed(2)), samples: ms.length });
  }
}
report("tls", rows, [
  `${RECORDS} records of ${VALUE_BYTES}-byte values to one partition per cell; two broker processes (2 shards, flush off) on loopback, one plaintext and one with TLS on both listeners (ECDSA P-256 certificate, Node's default TLS 1.3 suites); MB/s counts value bytes only.`,
  "Workloads as bench/kafka.bench.ts (kafkajs: 1,000-message sends, 8 in flight, acks=1, group consumer timed first batch to last; kcat: whole-process wall time; src/client: acks=1, lingerMs 5, streaming consumer).",
  `connect: ${CONNECTS} sequential connections per repetition, each timed until it can serve (Kafka: TCP + TLS handshake + one ApiVersions v3 round trip; WebSocket: src/client connect() until WELCOME, no session resumption).`,
]);
process.exit(0);
