// `--broker` with several comma-separated URLs (a cluster's brokers): each is checked, and the first that
// answers serves the command; none answering is one error naming them.

import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { brokerUrls, connectBroker } from "../../src/cli/client.js";
import { inProcessServers } from "../helpers/in-process-servers.js";

const servers = inProcessServers("broker-list");

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("--broker with several URLs", () => {
  it("parses a comma-separated list of URLs and host:port forms, and refuses a bad one", () => {
    expect(brokerUrls("h1:9000, ws://h2:9001/ws,wss://h3/ws")).toEqual(["ws://h1:9000/ws", "ws://h2:9001/ws", "wss://h3/ws"]);
    expect(() => brokerUrls("h1:9000,not a url")).toThrow(/--broker/);
    expect(() => brokerUrls(" , ")).toThrow(/no URL/);
  });

  it("skips brokers that do not answer and uses the first that does", async () => {
    const server = await servers.start();
    const dead = await deadPort();
    const client = await connectBroker(`127.0.0.1:${dead},127.0.0.1:${server.port}`, { status: () => {} });
    try {
      expect(Array.isArray(await client.admin.listTopics())).toBe(true);
    } finally {
      client.close();
    }
  });

  it("fails with one error naming every URL when none answers", async () => {
    const a = await deadPort();
    const b = await deadPort();
    await expect(connectBroker(`127.0.0.1:${a},127.0.0.1:${b}`, { status: () => {} })).rejects.toThrow(new RegExp(`127.0.0.1:${a}/ws, ws://127.0.0.1:${b}/ws`));
  });
});
