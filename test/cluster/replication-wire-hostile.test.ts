// Failure covered: hostile input on a leader's raw replication port (src/cluster/wire.ts, replica-transport.ts,
// replica-auth.ts, follower-fetch.ts). Unauthenticated, every frame below is refused before any handler
// runs: the connection closes (a peer that merely reaches the port can no longer fetch in a follower's
// name, append markers or commit offsets), a wrong proof gets SASL_AUTHENTICATION_FAILED, a truncated frame
// just waits. Authenticated (the handshake done with the cluster secret, replica-auth.ts), malformed
// fetches (a log start that is not a non-negative bigint, a bad maxBytes, a negative offset, an unknown
// topic, partition -1, an offset past the log end) get a typed error named by its Kafka code, a fetch in
// another broker's name is INVALID_REQUEST, and frames that cannot be read (garbage, a huge declared
// length, a header overrunning its frame, JSON that does not parse, a header that is not an object) close
// the connection. Throughout, the broker stays up and a healthy follower keeps replicating: the ISR stays
// full and acks=all produces keep succeeding. basics.test.ts covers the first few frames; this is the full list.

import { createConnection, type Socket } from "node:net";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { ClientHandshake } from "../../src/cluster/replica-auth.js";
import { encodeFrame, FrameReader } from "../../src/cluster/wire.js";
import { clusterFixture, etcdGet, partitionState, replicationCredentials, sleep, until } from "./harness.js";

const fixture = clusterFixture({ broker: { minIsr: 3 } });
const { brokers } = fixture;

const kafka = () => new Kafka({ clientId: "hostile", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });

/** A frame around `json` (raw text, so it can be anything): u32 frameLength | u32 jsonLength | json | body. */
function frame(json: string, body = Buffer.alloc(0)): Buffer {
  const text = Buffer.from(json);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(4 + text.length + body.length, 0);
  head.writeUInt32BE(text.length, 4);
  return Buffer.concat([head, text, body]);
}

/** The wire's header encoding: a bigint is the string "<digits>n". */
const header = (h: Record<string, unknown>) => JSON.stringify(h, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

type Reply = Record<string, unknown> | "closed" | "no answer";

/**
 * Sends `bytes` on a fresh connection: the first reply's header after the broker's challenge, or "closed"
 * if the broker hung up first. With `as`, the handshake is done first in that broker's name (with the
 * cluster secret, or the `secret` given); without it the bytes go out unauthenticated, at once.
 */
async function send(port: number, bytes: Buffer, waitMs = 3000, as?: { brokerId: number; secret: Buffer; peer: number }): Promise<Reply> {
  const socket: Socket = createConnection({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const handshake = as && new ClientHandshake(as.secret, as.brokerId, as.peer);
  let authenticated = !as;
  try {
    return await new Promise<Reply>((resolve) => {
      const reader = new FrameReader();
      const timer = setTimeout(() => resolve("no answer"), waitMs);
      socket.on("data", (d: Buffer) => {
        for (const { header } of reader.push(d)) {
          if (header.type === "challenge" && !authenticated && handshake) {
            socket.write(encodeFrame(handshake.receive(header).reply!));
          } else if (header.type === "challenge") {
            continue; // unauthenticated: the challenge is not an answer
          } else if (!authenticated && header.type === "authenticated") {
            if (handshake!.receive(header).kind !== "done") throw new Error("the broker's proof did not verify");
            authenticated = true;
            socket.write(bytes);
          } else {
            clearTimeout(timer);
            return resolve(header);
          }
        }
      });
      socket.on("error", () => {});
      socket.once("close", () => {
        clearTimeout(timer);
        resolve("closed");
      });
      if (!as) socket.write(bytes);
    });
  } finally {
    socket.destroy();
  }
}

describe("hostile input on the replication port", () => {
  it("answers each malformed request with a typed error or closes, while a follower keeps replicating", async () => {
    const topic = "hostile";
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }] });
    await admin.disconnect();
    const { leader, leaderEpoch } = await until("a full ISR", async () => {
      const s = await partitionState(fixture.etcd, topic, 0);
      return s && s.isr.length === 3 ? s : undefined;
    });
    const info = JSON.parse((await etcdGet(fixture.etcd, `/rivulet/brokers/${leader}`))[`/rivulet/brokers/${leader}`]!) as { replicationPort: number };
    const port = info.replicationPort;
    const [follower, otherFollower] = brokers.filter((b) => b.id !== leader).map((b) => b.id) as [number, number];

    // acks=all (min.insync 3) in a loop the whole time: every send needs both followers in the ISR.
    const producer = kafka().producer();
    await producer.connect();
    let sent = 0;
    let stop = false;
    const producing = (async () => {
      while (!stop) {
        await producer.send({ topic, acks: -1, timeout: 5000, messages: [{ value: `m${sent}` }] });
        sent++;
        await sleep(20);
      }
    })();
    const isrSizes: number[] = [];
    const watching = (async () => {
      while (!stop) {
        isrSizes.push((await partitionState(fixture.etcd, topic, 0))?.isr.length ?? 0);
        await sleep(100);
      }
    })();
    await until("some records produced", () => sent >= 5);

    // A fetch as the real follower would send it, with one field spoiled: the follower's own id, so a
    // request taken at face value would move what the leader believes of that follower.
    const fetch = (over: Record<string, unknown>) =>
      frame(header({ id: 1, type: "fetch", topic, partition: 0, brokerId: follower, leaderEpoch, offset: 0n, logStart: 0n, maxWaitMs: 10, ...over }));
    // Authenticated as `follower` unless a case names another broker id.
    const cases: Array<[string, Buffer, string, number?]> = [
      ["logStart a string", fetch({ logStart: "abc" }), "INVALID_REQUEST"],
      ["logStart a plain number", fetch({ logStart: 5 }), "INVALID_REQUEST"],
      ["logStart negative", fetch({ logStart: -5n }), "INVALID_REQUEST"],
      ["offset negative", fetch({ offset: -3n }), "INVALID_REQUEST"],
      ["maxBytes negative", fetch({ maxBytes: -1 }), "INVALID_REQUEST"],
      ["maxBytes 2^53", fetch({ maxBytes: 2 ** 53 }), "INVALID_REQUEST"],
      ["maxBytes a fraction", fetch({ maxBytes: 0.5 }), "INVALID_REQUEST"],
      ["maxBytes a string", fetch({ maxBytes: "many" }), "INVALID_REQUEST"],
      ["maxWaitMs a string", fetch({ maxWaitMs: "long" }), "INVALID_REQUEST"],
      ["maxWaitMs negative", fetch({ maxWaitMs: -1 }), "INVALID_REQUEST"],
      ["unknown topic", fetch({ topic: "no-such-topic" }), "NOT_LEADER_OR_FOLLOWER"],
      ["partition -1", fetch({ partition: -1 }), "NOT_LEADER_OR_FOLLOWER"],
      ["offset past the log end", fetch({ offset: 1n << 40n }), "OFFSET_OUT_OF_RANGE"],
      ["a broker outside the replica set (authenticated as it)", fetch({ brokerId: 99 }), "NOT_LEADER_OR_FOLLOWER", 99],
      ["in another broker's name", fetch({ brokerId: otherFollower, offset: 0n }), "INVALID_REQUEST"],
      ["an old leader epoch", fetch({ leaderEpoch: leaderEpoch - 1 }), "FENCED_LEADER_EPOCH"],
      ["epochEnd with a string epoch", frame(header({ id: 2, type: "epochEnd", topic, partition: 0, epoch: "x" })), "INVALID_REQUEST"],
      ["hw without a topic", frame(header({ id: 3, type: "hw", partition: 0 })), "INVALID_REQUEST"],
      ["marker for a partition it does not lead", frame(header({ id: 4, type: "marker", topic: "no-such-topic", partition: 0 })), "*"],
      ["groupOffsets malformed", frame(header({ id: 5, type: "groupOffsets", group: 7 })), "*"],
      ["an unknown type", frame(header({ id: 6, type: "format-disk" })), "INVALID_REQUEST"],
      ["a header that is an array", frame("[1,2,3]"), "closed"],
      ["a header that is null", frame("null"), "closed"],
      ["a header that is a number", frame("42"), "closed"],
      ["JSON that does not parse (NaN)", frame('{"id":1,"type":"fetch","maxBytes":NaN}'), "closed"],
      ["a header overrunning its frame", (() => {
        const b = frame(header({ id: 1, type: "fetch" }));
        b.writeUInt32BE(10_000, 4);
        return b;
      })(), "closed"],
      ["a huge declared frame length", Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0x7b, 0x7d]), "closed"],
      ["a frame shorter than its json length field", Buffer.from([0, 0, 0, 2, 0, 0]), "closed"],
      ["garbage (an HTTP request)", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "closed"],
      ["a truncated frame", frame(header({ id: 1, type: "fetch", topic, partition: 0 })).subarray(0, 20), "no answer"],
    ];
    const { secret } = await replicationCredentials(fixture.etcd);
    const seen: string[] = [];
    const sendAll = async (list: Array<[string, Buffer, string, number?]>, authenticated: boolean) => {
      for (const [what, bytes, expected, as] of list) {
        const reply = await send(port, bytes, expected === "no answer" ? 1000 : 3000, authenticated ? { brokerId: as ?? follower, secret, peer: leader } : undefined);
        const got = typeof reply === "string" ? reply : String(reply.error ?? "ok");
        seen.push(`${authenticated ? "" : "unauthenticated "}${what}: ${got}`);
        expect(brokers.find((b) => b.id === leader)!.proc.alive(), `broker ${leader} alive after: ${what}`).toBe(true);
      }
    };
    // Unauthenticated, nothing reaches a handler: every frame closes the connection (no typed error,
    // which only a handler gives), whatever it asks; only a truncated frame waits (until the handshake's
    // time limit). The attacks of an earlier run of this test come first: a fetch in the follower's name
    // (which kept a lagging follower counted in sync), a marker and a group offset commit on the leader.
    const attacks: Array<[string, Buffer, string]> = [
      ["a fetch in the follower's name", fetch({ offset: 0n }), "closed"],
      ["a commit marker for a partition it leads", frame(header({ id: 7, type: "marker", topic, partition: 0, producerId: 1n, producerEpoch: 0, commit: true, coordinatorEpoch: 0 })), "closed"],
      ["a group offset commit", frame(header({ id: 8, type: "groupOffsets", group: "g", topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 5n }] }] })), "closed"],
      ["an hw request", frame(header({ id: 9, type: "hw", topic, partition: 0 })), "closed"],
      ["an authenticate with another cluster's proof", (() => {
        const wrong = new ClientHandshake(Buffer.alloc(32, 7), follower, leader);
        return encodeFrame(wrong.receive({ id: 0, type: "challenge", version: 1, nonce: Buffer.alloc(32).toString("base64") }).reply!);
      })(), "SASL_AUTHENTICATION_FAILED"],
    ];
    const unauthenticated: Array<[string, Buffer, string]> = [...attacks, ...cases.map(([what, bytes, expected]): [string, Buffer, string] => [what, bytes, expected === "no answer" ? "no answer" : "closed"])];
    await sendAll(unauthenticated, false);
    await sendAll(cases, true);
    console.log(`replication-wire-hostile:\n  ${seen.join("\n  ")}`);
    for (const [i, [what, , expected]] of [...unauthenticated, ...cases].entries()) {
      const got = seen[i]!.slice(seen[i]!.indexOf(what) + what.length + 2);
      if (expected === "*") expect(got, what).toMatch(/^[A-Z_]+$/);
      else expect(got, `${i < unauthenticated.length ? "unauthenticated " : ""}${what}`).toBe(expected);
    }

    // Many connections of unfinished frames at once: held, then dropped by the peer; nothing else suffers.
    const held = await Promise.all(Array.from({ length: 50 }, () => send(port, Buffer.from([0, 0, 0x10, 0]), 500)));
    expect(held.every((r) => r === "no answer")).toBe(true);

    const before = sent;
    await until("acks=all produces still succeed", () => sent >= before + 10, 20_000);
    stop = true;
    await producing;
    await watching;
    await producer.disconnect();
    expect(isrSizes.length).toBeGreaterThan(10);
    expect(Math.min(...isrSizes), `ISR sizes seen: ${isrSizes.join(",")}`).toBe(3);
    for (const b of brokers) expect(b.proc.alive(), `broker ${b.id} alive`).toBe(true);
    // Every acknowledged record is committed: the high watermark is the count sent.
    const check = kafka().admin();
    await check.connect();
    const [offsets] = await check.fetchTopicOffsets(topic);
    await check.disconnect();
    expect(Number(offsets!.high)).toBe(sent);
  }, 120_000);
});
