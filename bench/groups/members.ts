// Group members for bench/groups.bench.ts: a GroupConsumer on its own connection whose reading loop keeps
// only timestamps (each ASSIGNED, the first record) and a count, so eleven of them cost the measuring
// process little.
import type * as ClientModule from "../../src/client/index.js";
import type { GroupConsumer, GroupConsumerOptions, RivuletClient } from "../../src/client/index.js";

export interface BenchMember {
  readonly name: string;
  readonly client: RivuletClient;
  consumer: GroupConsumer;
  /** performance.now() of every ASSIGNED the member received. */
  readonly assignedAt: number[];
  firstRecordAt: number | undefined;
  records: number;
  loop: Promise<void>;
}

/** Opens the member's connection (not part of any timing). */
export async function connectMember(client: typeof ClientModule, url: string, name: string): Promise<BenchMember> {
  const connection = await client.connect({ url, reconnect: false });
  return { name, client: connection, consumer: undefined as unknown as GroupConsumer, assignedAt: [], firstRecordAt: undefined, records: 0, loop: Promise.resolve() };
}

/** Sends JOIN_GROUP (resolves on GROUP_JOINED) and starts the reading loop. */
export async function join(m: BenchMember, options: Pick<GroupConsumerOptions, "topic" | "group"> & Partial<GroupConsumerOptions>): Promise<void> {
  m.consumer = m.client.consumer({
    from: "earliest",
    sessionTimeoutMs: 10_000,
    ...options,
    onAssign: () => void m.assignedAt.push(performance.now()),
  });
  await m.consumer.start();
  m.loop = (async () => {
    try {
      for await (const _ of m.consumer) {
        if (m.records++ === 0) m.firstRecordAt = performance.now();
      }
    } catch {
      // closed
    }
  })();
}

/** Every partition owned by exactly one member, and the members' counts differ by at most one. */
export function balanced(members: BenchMember[], partitions: number): boolean {
  const seen = new Set<number>();
  let min = Infinity;
  let max = 0;
  for (const m of members) {
    const owned = m.consumer.assignment();
    for (const p of owned) {
      if (seen.has(p)) return false;
      seen.add(p);
    }
    min = Math.min(min, owned.length);
    max = Math.max(max, owned.length);
  }
  return seen.size === partitions && max - min <= 1;
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
