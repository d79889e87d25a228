// --advertised-ws-url: the WebSocket URL a broker publishes in cluster metadata, for a proxy in front of it.
// Broker 2 sits behind a TCP forwarder on another port and advertises the forwarder's URL; broker 3
// advertises a URL with its own path and scheme. METADATA's broker list carries both verbatim, the cluster
// client reaches broker 2 only through the forwarder (produce and reads of the partition it leads), and bad
// values are refused at start-up with one line.

import { spawn } from "node:child_process";
import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { connectCluster } from "../../src/client/cluster.js";
import { Child, ClusterBroker, clusterFixture, freePort, MAIN, partitionState, until } from "./harness.js";

let proxy: Server;
let proxyPort = 0;
let target = 0;
let proxied = 0;
const sockets = new Set<Socket>();

const fixture = clusterFixture({
  timeoutMs: 90_000,
  start: async ({ etcd, brokers }) => {
    proxyPort = await freePort();
    proxy = createServer((client) => {
      proxied++;
      const upstream = tcpConnect(target, "127.0.0.1");
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("error", () => s.destroy());
        s.on("close", () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPort, "127.0.0.1", resolve));
    brokers.push(await ClusterBroker.start(1, etcd, { rf: 2 }));
    const b2 = new ClusterBroker(2, etcd, await freePort(), await freePort(), { rf: 2, extra: ["--advertised-ws-url", `ws://127.0.0.1:${proxyPort}/ws`] });
    target = b2.wsPort;
    await b2.start();
    brokers.push(b2);
    brokers.push(await ClusterBroker.start(3, etcd, { rf: 2, extra: ["--advertised-ws-url", "wss://edge.example.com/rivulet/b3"] }));
  },
  stop: () => {
    for (const s of sockets) s.destroy();
    proxy.close();
  },
});
const { brokers } = fixture;

describe("--advertised-ws-url", () => {
  it("is what METADATA publishes, and the cluster client connects there", async () => {
    const direct = await connect({ url: `${brokers[0]!.wsUrl}/ws` });
    const meta = await until("three brokers in metadata", async () => {
      const m = await direct.admin.clusterMetadata([]);
      return m.brokers.length === 3 ? m : undefined;
    });
    direct.close();
    expect(meta.brokers.sort((a, b) => a.id - b.id)).toEqual([
      { id: 1, url: `${brokers[0]!.wsUrl}/ws` },
      { id: 2, url: `ws://127.0.0.1:${proxyPort}/ws` },
      { id: 3, url: "wss://edge.example.com/rivulet/b3" },
    ]);

    // Leaders spread over the three brokers: produce to and read a partition broker 2 leads.
    const cluster = await connectCluster({ urls: [`${brokers[0]!.wsUrl}/ws`] });
    await cluster.admin.createTopic("via-proxy", { partitions: 6 });
    const states = await until("leaders of via-proxy", async () => {
      const s = await Promise.all(Array.from({ length: 6 }, (_, p) => partitionState(fixture.etcd, "via-proxy", p)));
      return s.every((x) => x && x.leader > 0) ? s : undefined;
    });
    const p2 = states.findIndex((s) => s!.leader === 2);
    expect(p2).toBeGreaterThanOrEqual(0);
    const before = proxied;
    const producer = cluster.producer({ acks: "all", deliveryTimeoutMs: 20_000 });
    const sent = await producer.send({ topic: "via-proxy", partition: p2, value: "through the proxy" });
    const reader = cluster.consumer({ topic: "via-proxy", partition: p2, position: sent.offset });
    expect((await reader.next()).value).toEqual(new TextEncoder().encode("through the proxy"));
    // Broker 2 was reached through the forwarder (its own port is not what the metadata names).
    expect(proxied).toBeGreaterThan(before);
    await reader.close();
    await producer.close();
    cluster.close();
  }, 60_000);

  it("refuses a URL that is not ws:// or wss://, and the flag without --cluster", async () => {
    const run = async (args: string[]) => {
      const child = new Child(spawn(process.execPath, [MAIN, "serve", "--port", "0", "--kafka-port", "-1", ...args], { stdio: ["ignore", "pipe", "pipe"] }));
      return { code: await child.exited, out: child.out };
    };
    const http = await run(["--cluster", fixture.etcd.url, "--broker-id", "9", "--advertised-ws-url", "http://proxy.example/ws"]);
    expect(http.code).not.toBe(0);
    expect(http.out).toMatch(/--advertised-ws-url must be a ws:\/\/ or wss:\/\/ URL/);
    const garbage = await run(["--cluster", fixture.etcd.url, "--broker-id", "9", "--advertised-ws-url", "not a url"]);
    expect(garbage.code).not.toBe(0);
    expect(garbage.out).toMatch(/is not a valid URL/);
    const alone = await run(["--advertised-ws-url", "ws://proxy.example/ws"]);
    expect(alone.code).not.toBe(0);
    expect(alone.out).toMatch(/needs --cluster/);
  }, 30_000);
});
