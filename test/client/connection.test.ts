// The connection's failure paths against an in-memory broker (fake-broker.ts): status events, capped backoff,
// reconnect forever or until giveUpAfterMs, request deadlines with a typed retriable TimeoutError, dead
// sockets found by pings, and (issue 12) one resubscription per stream after a reconnect, not a runaway.

import { describe, expect, it } from "vitest";
import { Connection, ConnectionError, TimeoutError, type ConnectionEvents, type StreamHandler } from "../../src/client/index.js";
import { FrameType, type ServerFrame } from "../../src/protocol/ws/index.js";
import { FakeBroker, sleep, until } from "./fake-broker.js";


function record(connection: Connection): Array<{ event: keyof ConnectionEvents } & Record<string, unknown>> {
  const events: Array<{ event: keyof ConnectionEvents } & Record<string, unknown>> = [];
  for (const event of ["disconnected", "reconnecting", "reconnected", "closed"] as const) {
    connection.on(event, (e) => events.push({ event, ...e }));
  }
  return events;
}

/** A stream that, like the consumer, re-registers itself under a new id when told to resubscribe. */
function stream(connection: Connection): StreamHandler & { reconnects: number; closedWith?: Error } {
  let id = connection.allocateId();
  const handler = {
    reconnects: 0,
    closedWith: undefined as Error | undefined,
    onFrame() {},
    onReconnect() {
      handler.reconnects++;
      connection.streams.delete(id);
      id = connection.allocateId();
      connection.streams.set(id, handler);
    },
    onClose(error: Error) {
      handler.closedWith = error;
    },
  };
  connection.streams.set(id, handler);
  return handler;
}

describe("reconnection", () => {
  it("retries with growing, capped, jittered delays while the broker is away, says so, and resubscribes each stream exactly once", async () => {
    const broker = new FakeBroker();
    const connection = new Connection({ WebSocket: broker.WebSocket, reconnect: { initialDelayMs: 10, maxDelayMs: 40 } });
    await connection.connect();
    const events = record(connection);
    const streams = [stream(connection), stream(connection), stream(connection)];
    broker.mode = "refuse";
    broker.current!.drop();
    await until("six failed attempts", () => events.filter((e) => e.event === "reconnecting").length >= 6);
    broker.mode = "welcome";
    await until("reconnected", () => events.some((e) => e.event === "reconnected"));
    await sleep(50);

    expect(events.filter((e) => e.event === "disconnected")).toHaveLength(1);
    const delays = events.filter((e) => e.event === "reconnecting").map((e) => e.delayMs as number);
    // attempt n waits base * 2^(n-1), capped at 40, jittered into [half, full].
    delays.forEach((d, i) => {
      const cap = Math.min(10 * 2 ** i, 40);
      expect(d).toBeGreaterThanOrEqual(Math.floor(cap / 2));
      expect(d).toBeLessThanOrEqual(cap);
    });
    const reconnected = events.find((e) => e.event === "reconnected")!;
    expect(reconnected.attempts).toBe(delays.length);
    // The runaway: resubscribing re-registers the stream, which a live iteration of the map visited again.
    expect(streams.map((s) => s.reconnects)).toEqual([1, 1, 1]);
    expect(connection.streams.size).toBe(3);
    connection.close();
  });

  it("gives up after giveUpAfterMs with a TimeoutError that streams and waiting requests hear", async () => {
    const broker = new FakeBroker();
    const connection = new Connection({ WebSocket: broker.WebSocket, requestTimeoutMs: 5000, reconnect: { initialDelayMs: 10, maxDelayMs: 20, giveUpAfterMs: 150 } });
    await connection.connect();
    const events = record(connection);
    const s = stream(connection);
    broker.mode = "refuse";
    const started = Date.now();
    broker.current!.drop();
    const waiting = connection.request({ type: FrameType.METADATA, topics: [] }).catch((e: Error) => e);
    await until("closed", () => events.some((e) => e.event === "closed"));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
    expect(s.closedWith).toBeInstanceOf(TimeoutError);
    expect((s.closedWith as TimeoutError).retriable).toBe(true);
    expect((s.closedWith as TimeoutError).kafkaCode).toBe(7);
    const error = await waiting;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(connection.isClosed).toBe(true);
    // No attempt after giving up.
    const sockets = broker.sockets.length;
    await sleep(100);
    expect(broker.sockets.length).toBe(sockets);
  });

  it("maxAttempts: gives up with a ConnectionError after that many failed attempts", async () => {
    const broker = new FakeBroker();
    const connection = new Connection({ WebSocket: broker.WebSocket, reconnect: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 } });
    await connection.connect();
    const s = stream(connection);
    broker.mode = "refuse";
    broker.current!.drop();
    await until("closed", () => connection.isClosed);
    expect(s.closedWith).toBeInstanceOf(ConnectionError);
    expect(broker.sockets.length).toBe(1 + 3);
  });

  it("the first connect fails fast and nothing retries behind the application's back", async () => {
    const broker = new FakeBroker();
    broker.mode = "refuse";
    const connection = new Connection({ WebSocket: broker.WebSocket, reconnect: { initialDelayMs: 1 } });
    await expect(connection.connect()).rejects.toBeInstanceOf(ConnectionError);
    await sleep(50);
    expect(broker.sockets.length).toBe(1);
  });

  it("a broker that never says WELCOME fails the attempt after connectTimeoutMs", async () => {
    const broker = new FakeBroker();
    broker.mode = "silent";
    const connection = new Connection({ WebSocket: broker.WebSocket, connectTimeoutMs: 100 });
    const started = Date.now();
    await expect(connection.connect()).rejects.toBeInstanceOf(ConnectionError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("request deadlines", () => {
  it("a request with no answer fails with a retriable TimeoutError at requestTimeoutMs", async () => {
    const broker = new FakeBroker();
    const connection = new Connection({ WebSocket: broker.WebSocket, requestTimeoutMs: 120 });
    await connection.connect();
    const started = Date.now();
    const error = await connection.request({ type: FrameType.METADATA, topics: [] }).catch((e: Error) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe("REQUEST_TIMED_OUT");
    expect((error as TimeoutError).retriable).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(110);
    expect(elapsed).toBeLessThan(1000);
    // A per-request deadline overrides the default.
    const quick = Date.now();
    await expect(connection.request({ type: FrameType.METADATA, topics: [] }, undefined, undefined, { timeoutMs: 30 })).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - quick).toBeLessThan(110);
    connection.close();
  });

  it("a request made while the broker is away waits for the reconnect within its deadline, or times out", async () => {
    const broker = new FakeBroker();
    broker.answer = (frame) => (frame.type === FrameType.METADATA ? [{ type: FrameType.METADATA_RESULT, requestId: frame.requestId, topics: [] } as ServerFrame] : []);
    const connection = new Connection({ WebSocket: broker.WebSocket, requestTimeoutMs: 300, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    await connection.connect();
    broker.mode = "refuse";
    broker.current!.drop();
    // Away longer than the deadline: TimeoutError naming the last connection error.
    const late = await connection.request({ type: FrameType.METADATA, topics: [] }).catch((e: Error) => e);
    expect(late).toBeInstanceOf(TimeoutError);
    expect((late as Error).message).toMatch(/no connection to .* within 300 ms/);
    // Back within the deadline: the request goes out on the new socket and is answered.
    const pending = connection.request({ type: FrameType.METADATA, topics: [] });
    await sleep(100);
    broker.mode = "welcome";
    const response = await pending;
    expect(response.type).toBe(FrameType.METADATA_RESULT);
    connection.close();
  });

  it("a request in flight when the socket drops fails at once with a retriable ConnectionError", async () => {
    const broker = new FakeBroker();
    const connection = new Connection({ WebSocket: broker.WebSocket, requestTimeoutMs: 5000, reconnect: { initialDelayMs: 10 } });
    await connection.connect();
    const pending = connection.request({ type: FrameType.METADATA, topics: [] }).catch((e: Error) => e);
    await sleep(10);
    broker.current!.drop();
    const error = await pending;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retriable).toBe(true);
    connection.close();
  });

  it("a socket whose pings go unanswered (a frozen broker) is abandoned and reopened", async () => {
    const broker = new FakeBroker();
    broker.idleTimeoutMs = 150; // pings every 50 ms
    const connection = new Connection({ WebSocket: broker.WebSocket, requestTimeoutMs: 100, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    await connection.connect();
    const events = record(connection);
    const frozen = broker.current!;
    broker.answer = () => []; // no PONG
    await until("disconnected", () => events.some((e) => e.event === "disconnected"), 2000);
    broker.answer = (frame) => (frame.type === FrameType.PING ? [{ type: FrameType.PONG, requestId: frame.requestId, serverTimeMs: 0n }] : []);
    await until("reconnected", () => events.some((e) => e.event === "reconnected"), 2000);
    expect(broker.current).not.toBe(frozen);
    expect(connection.isOpen).toBe(true);
    connection.close();
  });
});
