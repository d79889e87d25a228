// A broker in memory for the producer's unit tests: it speaks to the Producer through a stand-in
// Connection and Admin, keeps one log per partition, and runs the real idempotence checks
// (src/shard/producer-state.ts), so sequence handling is tested against what the real broker decides.
// Faults are injected per produce request by a `fault` hook: refuse before appending, append and lose the
// answer, drop the connection, answer late.
import { decodeRecordBatch, readBatchHeader } from "../../src/core/index.js";
import { KafkaErrors, type KafkaErrorName } from "../../src/errors/index.js";
import type { Admin, Connection } from "../../src/client/index.js";
import { ConnectionError } from "../../src/client/errors.js";
import { decodeClientFrame, FrameType, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";
import { ProducerStateTable } from "../../src/shard/producer-state.js";

export type Fault =
  | undefined
  /** Refused with this Kafka error before anything is appended. */
  | { refuse: KafkaErrorName; message?: string }
  /** Appended, but the answer never comes (the client's request timeout fires). */
  | "lose-answer"
  /** The connection drops as this request arrives: it is not appended; answers in flight are lost. */
  | "drop";

export interface ProduceSeen {
  partition: number;
  producerId: bigint;
  baseSequence: number;
  records: number;
  values: string[];
}

type Pending = { resolve(frame: ServerFrame): void; reject(error: Error): void };

export class FakeBroker {
  readonly logs = new Map<number, string[]>();
  readonly state = new Map<number, ProducerStateTable>();
  /** Every produce request, in arrival order. */
  readonly seen: ProduceSeen[] = [];
  /** Requests answered so far / the most in flight at once. */
  inFlight = 0;
  maxInFlight = 0;
  latencyMs = 1;
  nextProducerId = 1000n;
  producerIdRequests = 0;
  fault: (seen: ProduceSeen, index: number) => Fault = () => undefined;
  /** Refuses (INVALID_RECORD) any batch holding this value. */
  poison: string | undefined;
  maxMessageBytes = 1024 * 1024;
  partitions = 1;
  open = true;
  /** acks 0: bytes "in the socket", drained at drainBytesPerMs by a timer while above 0. */
  buffered = 0;
  maxBuffered = 0;
  drainBytesPerMs = Number.POSITIVE_INFINITY;
  posted = 0;
  /** acks 0 produce frames written around their batch in place (post with a writer). */
  postsInPlace = 0;
  /** Produce requests that came as frames written around their batch in place (requestFrame). */
  framesInPlace = 0;
  /** Frames whose writer declined when the connection got to them (the attempt was over by then). */
  framesWithdrawn = 0;
  /** How long the n-th requestFrame waits before it writes its frame (a reconnect in between). */
  frameDelayMs: (n: number) => number = () => 0;
  private frameCalls = 0;
  private pending = new Set<Pending>();
  private drainTimer: ReturnType<typeof setInterval> | undefined;

  log(partition = 0): string[] {
    let log = this.logs.get(partition);
    if (!log) this.logs.set(partition, (log = []));
    return log;
  }

  readonly connection: Connection;

  readonly admin = {
    describeTopic: async (name: string) => ({
      name,
      id: "x",
      partitions: Array.from({ length: this.partitions }, (_, partition) => ({ partition })),
      configs: [{ name: "max.message.bytes", value: String(this.maxMessageBytes), isDefault: false }],
    }),
  } as unknown as Admin;

  constructor() {
    const open = () => this.open;
    const buffered = () => this.buffered;
    this.connection = {
      url: "ws://fake/ws",
      server: { maxFrameBytes: 16 * 1024 * 1024, maxSubscriptions: 64, idleTimeoutMs: 120_000, version: "fake" },
      connect: async () => {},
      allocateId: () => 1,
      get isOpen(): boolean {
        return open();
      },
      get bufferedAmount(): number {
        return buffered();
      },
      // A writer is an acks 0 frame written in place: copied at once, as a socket does before send returns.
      post: (frame: ClientFrame | ((requestId: number) => Uint8Array | undefined)) => {
        if (typeof frame !== "function") return this.post(frame);
        const bytes = frame(1);
        if (!bytes) return;
        this.postsInPlace++;
        this.post(decodeClientFrame(bytes.slice()));
      },
      request: (frame: ClientFrame) => this.request(frame),
      // Frames the producer writes in place: decoded as the broker would (a bad head fails the test).
      requestFrame: async (write: (requestId: number) => Uint8Array | undefined) => {
        // As a connection waiting to reconnect: the frame is written when it can go out, maybe much later.
        const delay = this.frameDelayMs(this.frameCalls++);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        const bytes = write(1);
        if (!bytes) {
          this.framesWithdrawn++;
          throw new ConnectionError("request withdrawn before it was sent");
        }
        this.framesInPlace++;
        return this.request(decodeClientFrame(bytes));
      },
    } as unknown as Connection;
  }

  /** Drops the connection now: every request in flight fails with a retriable ConnectionError. */
  drop(): void {
    const error = new ConnectionError("connection to ws://fake/ws closed (1006)");
    for (const p of this.pending) p.reject(error);
    this.pending.clear();
  }

  private post(frame: ClientFrame): void {
    if (frame.type !== FrameType.PRODUCE) return;
    const size = frame.items.reduce((n, i) => n + i.batch.length, 0);
    this.buffered += size;
    this.maxBuffered = Math.max(this.maxBuffered, this.buffered);
    this.posted++;
    for (const item of frame.items) this.append(item.partition, item.batch);
    if (!this.drainTimer && Number.isFinite(this.drainBytesPerMs)) {
      this.drainTimer = setInterval(() => {
        this.buffered = Math.max(0, this.buffered - this.drainBytesPerMs * 5);
        if (this.buffered === 0) {
          clearInterval(this.drainTimer);
          this.drainTimer = undefined;
        }
      }, 5);
    } else if (!Number.isFinite(this.drainBytesPerMs)) this.buffered = 0;
  }

  private append(partition: number, batch: Uint8Array): { baseOffset: bigint } | { error: KafkaErrorName; message: string } {
    const header = readBatchHeader(batch);
    const values = decodeRecordBatch(batch).records.map((r) => new TextDecoder().decode(r.value!));
    if (batch.length > this.maxMessageBytes) return { error: "MESSAGE_TOO_LARGE", message: `batch of ${batch.length} bytes` };
    if (this.poison !== undefined && values.includes(this.poison)) return { error: "INVALID_RECORD", message: "poisoned record" };
    let table = this.state.get(partition);
    if (!table) this.state.set(partition, (table = new ProducerStateTable()));
    const check = table.check(header);
    if (check.kind === "error") return { error: check.error.code as KafkaErrorName, message: check.error.message };
    if (check.kind === "duplicate") return { baseOffset: check.baseOffset };
    const log = this.log(partition);
    const baseOffset = BigInt(log.length);
    log.push(...values);
    table.record(header, baseOffset, BigInt(log.length - 1), header.maxTimestamp);
    return { baseOffset };
  }

  private async request(frame: ClientFrame): Promise<ServerFrame> {
    if (!this.open) throw new ConnectionError("not connected to ws://fake/ws");
    if (frame.type === FrameType.INIT_PRODUCER_ID) {
      this.producerIdRequests++;
      return { type: FrameType.PRODUCER_ID, requestId: frame.requestId, producerId: this.nextProducerId++, producerEpoch: 0 };
    }
    if (frame.type !== FrameType.PRODUCE) throw new Error(`fake broker: unexpected frame 0x${frame.type.toString(16)}`);
    const item = frame.items[0]!;
    const header = readBatchHeader(item.batch);
    const seen: ProduceSeen = {
      partition: item.partition,
      producerId: header.producerId,
      baseSequence: header.baseSequence,
      records: header.recordCount,
      values: decodeRecordBatch(item.batch).records.map((r) => new TextDecoder().decode(r.value!)),
    };
    const index = this.seen.push(seen) - 1;
    const fault = this.fault(seen, index);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<ServerFrame>((resolve, reject) => {
      const entry: Pending = {
        resolve: (f) => {
          this.inFlight--;
          resolve(f);
        },
        reject: (e) => {
          this.inFlight--;
          reject(e);
        },
      };
      this.pending.add(entry);
      if (fault === "drop") {
        this.drop();
        return;
      }
      const answer = (result: { baseOffset: bigint } | { error: KafkaErrorName; message: string }): ServerFrame => ({
        type: FrameType.PRODUCE_RESULT,
        requestId: frame.requestId,
        items: [
          "error" in result
            ? { errorCode: KafkaErrors[result.error].code, errorMessage: result.message, baseOffset: -1n, logAppendTime: -1n, logStartOffset: 0n }
            : { errorCode: 0, errorMessage: "", baseOffset: result.baseOffset, logAppendTime: -1n, logStartOffset: 0n },
        ],
      });
      const result = fault && typeof fault === "object" ? { error: fault.refuse, message: fault.message ?? fault.refuse } : this.append(item.partition, item.batch);
      if (fault === "lose-answer") {
        // Appended, and the answer is lost: the client's request timeout has to notice.
        this.pending.delete(entry);
        this.inFlight--;
        return;
      }
      setTimeout(() => {
        if (!this.pending.delete(entry)) return; // dropped meanwhile
        entry.resolve(answer(result));
      }, this.latencyMs);
    });
  }
}
