// /metrics against the reference parser (Python's prometheus_client): families grouped with HELP and TYPE,
// label values escaped, and a series count that does not grow with clients (connections and subscriptions
// are aggregated per topic unless metricsDetail is "subscriptions"). Also the bearer token.
import { beforeAll, describe, expect, it } from "vitest";
import type { RivuletClient } from "../../src/client/index.js";
import { Exposition } from "../../src/frontends/http/exposition.js";
import { wsServers, type TestServer } from "../helpers/ws-server.js";
import { parseExposition, structureViolations, type ParsedFamily } from "./prometheus.js";

const env = wsServers();

async function scrape(srv: TestServer, headers: Record<string, string> = {}): Promise<{ text: string; families: ParsedFamily[] }> {
  const response = await fetch(`http://127.0.0.1:${srv.port}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(structureViolations(text)).toEqual([]);
  return { text, families: parseExposition(text) };
}

const seriesCount = (families: ParsedFamily[]) => families.reduce((n, f) => n + f.samples.length, 0);
const family = (families: ParsedFamily[], name: string) => families.find((f) => f.name === name);
const labelNames = (families: ParsedFamily[]) => new Set(families.flatMap((f) => f.samples.flatMap((s) => Object.keys(s.labels))));

async function subscribers(srv: TestServer, topic: string, n: number): Promise<RivuletClient[]> {
  const clients: RivuletClient[] = [];
  for (let i = 0; i < n; i++) {
    const client = await env.client(srv.url);
    await client.consumer({ topic, from: "earliest", windowBytes: 64 }).start();
    clients.push(client);
  }
  return clients;
}

describe("/metrics exposition", () => {
  let srv: TestServer;
  let admin: RivuletClient;
  beforeAll(async () => {
    srv = await env.start();
    admin = await env.client(srv.url);
    await admin.admin.createTopic("metered", { partitions: 3 });
    await admin.admin.createTopic("other", { partitions: 1 });
    const producer = admin.producer({ acks: "all" });
    for (let i = 0; i < 30; i++) await producer.send({ topic: "metered", partition: i % 3, value: `record ${i} with some bytes` });
  });

  it("parses strictly, every family once with HELP and TYPE, and reports real values", async () => {
    await subscribers(srv, "metered", 2);
    const { families } = await scrape(srv);
    const names = families.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    // prometheus_client names a counter family without its _total suffix.
    for (const name of ["rivulet_produced_bytes", "rivulet_log_end_offset", "rivulet_connections", "rivulet_subscriptions", "rivulet_shard_tasks_in_flight", "rivulet_build_info", "rivulet_request_memory_bytes"]) {
      expect(names).toContain(name);
    }
    const end = family(families, "rivulet_log_end_offset")!.samples.filter((s) => s.labels.topic === "metered");
    expect(end.map((s) => [s.labels.partition, s.value]).sort()).toEqual([["0", 10], ["1", 10], ["2", 10]]);
    const records = family(families, "rivulet_produced_records")!;
    expect(records.type).toBe("counter");
    expect(records.samples.filter((s) => s.labels.topic === "metered").reduce((n, s) => n + Number(s.value), 0)).toBe(30);
    expect(family(families, "rivulet_subscriptions")!.samples).toEqual([{ name: "rivulet_subscriptions", labels: { topic: "metered" }, value: 2 }]);
    expect(family(families, "rivulet_connections")!.samples[0]!.value).toBeGreaterThanOrEqual(3);
    expect(family(families, "rivulet_build_info")!.samples[0]!.labels).toMatchObject({ transport: srv.server.ws.transport });
  });

  it("keeps the series count bounded: more connections and subscriptions add no series and no id labels", async () => {
    const before = await scrape(srv);
    await subscribers(srv, "metered", 6);
    await subscribers(srv, "other", 1);
    const after = await scrape(srv);
    // The one new series set is the first subscription on "other" (5 per-topic gauges); 6 more on "metered" add none.
    expect(seriesCount(after.families)).toBe(seriesCount(before.families) + 5);
    expect([...labelNames(after.families)].filter((l) => l === "connection" || l === "subscription")).toEqual([]);
    const subs = family(after.families, "rivulet_subscriptions")!.samples.map((s) => [s.labels.topic, s.value]).sort();
    expect(subs).toEqual([["metered", 8], ["other", 1]]);
  });
});

describe("/metrics with metricsDetail: subscriptions", () => {
  it("adds per-connection and per-subscription series, still a valid exposition", async () => {
    const srv = await env.start({ metricsDetail: "subscriptions" });
    const client = await env.client(srv.url);
    await client.admin.createTopic("detailed", { partitions: 2 });
    await subscribers(srv, "detailed", 3);
    const { families } = await scrape(srv);
    const lag = family(families, "rivulet_subscriber_lag_records")!;
    expect(lag.samples).toHaveLength(3);
    expect(new Set(lag.samples.map((s) => `${s.labels.connection}/${s.labels.subscription}`)).size).toBe(3);
    expect(family(families, "rivulet_subscriber_delivered_bytes")!.type).toBe("counter");
  });
});

describe("/metrics token", () => {
  it("answers 401 without the bearer token and a valid exposition with it", async () => {
    const srv = await env.start({ metricsToken: "s3cret" });
    const denied = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
    expect(denied.status).toBe(401);
    expect(await denied.text()).not.toMatch(/rivulet_/);
    const wrong = await fetch(`http://127.0.0.1:${srv.port}/metrics`, { headers: { Authorization: "Bearer s3cre" } });
    expect(wrong.status).toBe(401);
    const { families } = await scrape(srv, { Authorization: "Bearer s3cret" });
    expect(families.length).toBeGreaterThan(10);
  });
});

describe("Exposition", () => {
  it("escapes hostile label values and HELP text so the reference parser reads them back exactly", () => {
    const out = new Exposition();
    const hostile = ['quote " inside', "back\\slash", "new\nline", "} 1\nrivulet_fake 2", "ünïcødé ✓"];
    out.declare("rivulet_test_empty", "gauge", "A family with no samples.");
    for (const [i, value] of hostile.entries()) out.metric("rivulet_test_value", "gauge", "Help with \\ backslash and\nnewline.", { group: value }, i);
    out.metric("rivulet_test_total", "counter", "A counter.", {}, 5n);
    out.metric("rivulet_test_value", "gauge", "Help with \\ backslash and\nnewline.", { group: "late" }, Infinity);
    const text = out.text();
    expect(structureViolations(text)).toEqual([]);
    const families = parseExposition(text);
    expect(families.map((f) => f.name)).toEqual(["rivulet_test_empty", "rivulet_test_value", "rivulet_test"]);
    expect(families[1]!.help).toBe("Help with \\ backslash and\nnewline.");
    expect(families[1]!.samples.map((s) => s.labels.group)).toEqual([...hostile, "late"]);
    expect(families[1]!.samples.at(-1)!.value).toBe("inf");
  });

  it("refuses invalid metric and label names and counters without _total", () => {
    const out = new Exposition();
    expect(() => out.metric("rivulet-bad", "gauge", "x", {}, 1)).toThrow(/invalid metric name/);
    expect(() => out.metric("rivulet_ok", "gauge", "x", { "bad-label": 1 }, 1)).toThrow(/invalid label name/);
    expect(() => out.metric("rivulet_ok2", "gauge", "x", { __reserved: 1 }, 1)).toThrow(/invalid label name/);
    expect(() => out.metric("rivulet_count", "counter", "x", {}, 1)).toThrow(/_total/);
    out.metric("rivulet_kind", "gauge", "x", {}, 1);
    expect(() => out.metric("rivulet_kind", "counter", "x", {}, 1)).toThrow(/declared as gauge/);
  });

  it("the checker catches the interleaving the old /metrics produced", () => {
    const interleaved = "# HELP a_x x\n# TYPE a_x gauge\na_x{c=\"1\"} 1\n# HELP a_y y\n# TYPE a_y gauge\na_y{c=\"1\"} 1\na_x{c=\"2\"} 1\n";
    expect(structureViolations(interleaved)).not.toEqual([]);
    expect(() => parseExposition(interleaved)).toThrow(/more than once/);
  });
});
