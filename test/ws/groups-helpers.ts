// Group members and a producer for the consumer-group end-to-end tests (groups*.test.ts): each member is a
// GroupConsumer on its own connection whose application loop logs every record it is handed and every
// assignment change, so a test can check delivery per partition and per member afterwards.
import WebSocket from "ws";
import { connect, type GroupConsumer, type GroupConsumerOptions, type RivuletClient, type WebSocketConstructor } from "../../src/client/index.js";
import { sleep } from "../helpers/ws-server.js";

export interface Seen {
  partition: number;
  offset: bigint;
  value: string;
  at: number;
}

export interface Member {
  readonly name: string;
  readonly client: RivuletClient;
  readonly consumer: GroupConsumer;
  /** Every record the application was handed, in order. */
  readonly seen: Seen[];
  readonly events: Array<{ kind: "assign" | "revoke"; partitions: number[]; at: number }>;
  /** Ends when iteration ends; never rejects (the error, if any, is in `error`). */
  readonly loop: Promise<void>;
  error: unknown;
  /** Drops the TCP connection without a close frame: the server sees an abrupt close. */
  kill(): void;
  /** Offsets this member saw for a partition, in the order it saw them. */
  offsets(partition: number): bigint[];
}

export type MemberOptions = Omit<GroupConsumerOptions, "topic" | "group"> & { onRevokeHook?: (m: Member, partitions: number[]) => Promise<void> };

/** Starts a member (its own connection, no reconnect: a killed member stays dead) and its reading loop. */
export async function startMember(url: string, name: string, topic: string, group: string, options: MemberOptions = {}): Promise<Member> {
  const sockets: WebSocket[] = [];
  const Recording = class extends WebSocket {
    constructor(address: string) {
      super(address);
      sockets.push(this);
    }
  } as unknown as WebSocketConstructor;
  const client = await connect({ url, reconnect: false, WebSocket: Recording });
  const { onRevokeHook, ...rest } = options;
  const seen: Seen[] = [];
  const events: Member["events"] = [];
  let member!: Member;
  const consumer = client.consumer({
    from: "earliest",
    sessionTimeoutMs: 6000,
    ...rest,
    topic,
    group,
    onAssign: (partitions) => {
      events.push({ kind: "assign", partitions, at: performance.now() });
      rest.onAssign?.(partitions);
    },
    onRevoke: async (partitions) => {
      events.push({ kind: "revoke", partitions, at: performance.now() });
      await rest.onRevoke?.(partitions);
      await onRevokeHook?.(member, partitions);
    },
  });
  await consumer.start();
  const loop = (async () => {
    try {
      for await (const r of consumer) seen.push({ partition: r.partition, offset: r.offset, value: new TextDecoder().decode(r.value!), at: performance.now() });
    } catch (error) {
      member.error = error;
    }
  })();
  member = {
    name,
    client,
    consumer,
    seen,
    events,
    loop,
    error: undefined,
    kill: () => sockets.at(-1)!.terminate(),
    offsets: (partition) => seen.filter((s) => s.partition === partition).map((s) => s.offset),
  };
  return member;
}

/** Closes a member (commit, then leave) and waits for its reading loop to end. */
export async function closeMember(m: Member, timeoutMs = 5000): Promise<void> {
  await m.consumer.close();
  const ended = await Promise.race([m.loop.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (!ended) throw new Error(`${m.name}: the reading loop did not end within ${timeoutMs} ms of close()`);
  m.client.close();
}

/** Polls until `check` holds; fails naming `what` (and the last detail) after timeoutMs. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, detail?: () => string): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail()}` : ""}`);
    await sleep(5);
  }
  return performance.now() - started;
}

/**
 * Produces one record to every listed partition every `everyMs` until stopped, recording each acknowledged
 * offset; stop() resolves once every send is acknowledged.
 */
export function produceContinuously(client: RivuletClient, topic: string, partitions: number, everyMs = 5) {
  const producer = client.producer({ lingerMs: 1, idempotent: true });
  const produced = new Map<number, bigint[]>(Array.from({ length: partitions }, (_, p) => [p, []]));
  let stopped = false;
  let n = 0;
  const running = (async () => {
    while (!stopped) {
      const sends = [];
      for (let p = 0; p < partitions; p++) {
        const value = String(n++);
        sends.push(producer.send({ topic, partition: p, value }).then((meta) => produced.get(p)!.push(meta.offset)));
      }
      await Promise.all(sends);
      await sleep(everyMs);
    }
  })();
  return {
    produced,
    /** Records acknowledged so far on a partition. */
    count: (p: number) => produced.get(p)!.length,
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}

/** Produces `perPartition` records to each partition (explicit partition), optionally with timestamps. */
export async function produceEach(client: RivuletClient, topic: string, partitions: number, perPartition: number, timestamp?: (i: number) => number): Promise<void> {
  const producer = client.producer({ lingerMs: 1 });
  const sends = [];
  for (let i = 0; i < perPartition; i++) {
    for (let p = 0; p < partitions; p++) sends.push(producer.send({ topic, partition: p, value: `${p}:${i}`, timestamp: timestamp?.(i) }));
  }
  await Promise.all(sends);
}

/** Owner of each partition by the members' own view (client side: ASSIGNED received, revocation not done). */
export function owners(members: Member[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const m of members) for (const p of m.consumer.assignment()) out.set(p, [...(out.get(p) ?? []), m.name]);
  return out;
}

/** True when every partition 0..n-1 has exactly one owner among `members` and each has one of `sizes`. */
export function settled(members: Member[], partitions: number, sizes?: number[]): boolean {
  const o = owners(members);
  if (o.size !== partitions || [...o.values()].some((names) => names.length !== 1)) return false;
  if (!sizes) return true;
  const got = members.map((m) => m.consumer.assignment().length).sort();
  return got.join() === [...sizes].sort().join();
}

/** The distinct offsets any of `members` saw on a partition. */
export function union(members: Member[], partition: number): Set<bigint> {
  const out = new Set<bigint>();
  for (const m of members) for (const o of m.offsets(partition)) out.add(o);
  return out;
}

/** Offsets each member saw per partition are strictly increasing (violations listed, for a readable diff). */
export function orderViolations(members: Member[], partitions: number): string[] {
  const out: string[] = [];
  for (const m of members) {
    for (let p = 0; p < partitions; p++) {
      const list = m.offsets(p);
      for (let i = 1; i < list.length; i++) if (list[i]! <= list[i - 1]!) out.push(`${m.name} p${p}: ${list[i - 1]} then ${list[i]}`);
    }
  }
  return out;
}

export const range = (from: bigint, to: bigint): bigint[] => Array.from({ length: Number(to - from) }, (_, i) => from + BigInt(i));
