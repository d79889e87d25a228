// The replication handshake's codec (src/cluster/replica-auth.ts), without sockets: both sides agree on a
// shared secret; a wrong secret is refused either way round; a proof reflected back, a broker id changed
// after the proof, a frame other than authenticate first, malformed fields, and a server naming another
// broker all fail. The proof's bytes are recomputed here from the documented layout (docs/cluster.md).

import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClientHandshake, ServerHandshake, type HandshakeHeader } from "../../src/cluster/replica-auth.js";

const secret = randomBytes(32);
const other = randomBytes(32);

/** The documented proof: HMAC-SHA256(secret, "rivulet-replication" | u8 role | SN | CN | u32be id), base64. */
function documented(key: Buffer, role: number, sn: Buffer, cn: Buffer, id: number): string {
  const idBytes = Buffer.alloc(4);
  idBytes.writeUInt32BE(id);
  return createHmac("sha256", key).update(Buffer.concat([Buffer.from("rivulet-replication"), Buffer.from([role]), sn, cn, idBytes])).digest("base64");
}

/** Runs client broker 2 against server broker 1 until one side is done or fails. */
function run(server: ServerHandshake, client: ClientHandshake, tamper: (h: HandshakeHeader) => HandshakeHeader = (h) => h) {
  const first = client.receive(server.challenge());
  if (first.kind !== "wait") return { client: first };
  const atServer = server.receive(tamper(first.reply));
  if (atServer.kind !== "done") return { server: atServer };
  return { server: atServer, client: client.receive(atServer.reply!) };
}

describe("replication handshake codec", () => {
  it("authenticates both ways with the same secret, with the documented proof bytes", () => {
    const sn = randomBytes(32);
    const cn = randomBytes(32);
    const server = new ServerHandshake(secret, 1, undefined, sn);
    const client = new ClientHandshake(secret, 2, 1, undefined, cn);
    const challenge = server.challenge();
    expect(challenge).toEqual({ id: 0, type: "challenge", version: 1, nonce: sn.toString("base64") });
    const answer = client.receive(challenge);
    expect(answer).toEqual({ kind: "wait", reply: { id: 0, type: "authenticate", brokerId: 2, nonce: cn.toString("base64"), proof: documented(secret, 1, sn, cn, 2) } });
    const accepted = server.receive(answer.reply!);
    expect(accepted).toEqual({ kind: "done", peerId: 2, reply: { id: 0, type: "authenticated", brokerId: 1, proof: documented(secret, 2, sn, cn, 1) } });
    expect(client.receive(accepted.reply!)).toEqual({ kind: "done", peerId: 1 });
  });

  it("refuses a client with another secret, answering SASL_AUTHENTICATION_FAILED", () => {
    const { server } = run(new ServerHandshake(secret, 1), new ClientHandshake(other, 2, 1));
    expect(server?.kind).toBe("fail");
    expect(server?.reply).toMatchObject({ id: 0, error: "SASL_AUTHENTICATION_FAILED" });
  });

  it("refuses a server with another secret (an impostor leader)", () => {
    // The impostor accepts whatever the client sends and answers with a proof under its own secret.
    const client = new ClientHandshake(secret, 2, 1);
    const impostor = new ServerHandshake(other, 1);
    const authenticate = client.receive(impostor.challenge());
    expect(authenticate.kind).toBe("wait");
    const sn = Buffer.from(impostor.challenge().nonce as string, "base64");
    const cn = Buffer.from(authenticate.reply!.nonce as string, "base64");
    expect(client.receive({ id: 0, type: "authenticated", brokerId: 1, proof: documented(other, 2, sn, cn, 1) }).kind).toBe("fail");
  });

  it("refuses the client's own proof reflected back as the server's", () => {
    const client = new ClientHandshake(secret, 1, 1);
    const authenticate = client.receive(new ServerHandshake(secret, 1).challenge());
    expect(client.receive({ id: 0, type: "authenticated", brokerId: 1, proof: authenticate.reply!.proof }).kind).toBe("fail");
  });

  it("refuses a broker id changed after the proof was made, and a server naming another broker", () => {
    const { server } = run(new ServerHandshake(secret, 1), new ClientHandshake(secret, 2, 1), (h) => ({ ...h, brokerId: 3 }));
    expect(server?.kind).toBe("fail");
    const wrongPeer = run(new ServerHandshake(secret, 3), new ClientHandshake(secret, 2, 1));
    expect(wrongPeer.server?.kind).toBe("done");
    expect(wrongPeer.client?.kind).toBe("fail");
  });

  it("fails on any other first frame (no reply) and on malformed fields (a refusal)", () => {
    const fetch = new ServerHandshake(secret, 1).receive({ id: 1, type: "fetch", topic: "t", partition: 0, brokerId: 2 });
    expect(fetch).toMatchObject({ kind: "fail" });
    expect(fetch.reply).toBeUndefined();
    const good = new ClientHandshake(secret, 2, 1).receive(new ServerHandshake(secret, 1).challenge()).reply!;
    for (const spoiled of [{ brokerId: -1 }, { brokerId: "2" }, { brokerId: 2 ** 32 }, { nonce: "short" }, { nonce: 7 }, { proof: undefined }, { proof: Buffer.alloc(31).toString("base64") }]) {
      const step = new ServerHandshake(secret, 1).receive({ ...good, ...spoiled });
      expect(step.kind, JSON.stringify(spoiled)).toBe("fail");
      expect(step.reply, JSON.stringify(spoiled)).toMatchObject({ error: "SASL_AUTHENTICATION_FAILED" });
    }
    // A client that is not first challenged (an old or foreign server) gives up.
    expect(new ClientHandshake(secret, 2, 1).receive({ id: 1, hw: 5n }).kind).toBe("fail");
    expect(new ClientHandshake(secret, 2, 1).receive({ id: 0, type: "challenge", version: 2, nonce: randomBytes(32).toString("base64") }).kind).toBe("fail");
  });
});
