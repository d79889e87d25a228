// SCRAM primitives against RFC 7677's SCRAM-SHA-256 example, and the server exchanges (SCRAM, PLAIN,
// OAUTHBEARER) against honest and hostile clients.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createExchange, type SaslDeps } from "../../src/security/sasl.js";
import { AuthenticationFailedError, hash, hmac, saltedPassword, ScramClient, UserStore, xor } from "../../src/security/index.js";

const dir = mkdtempSync(join(tmpdir(), "rivulet-sasl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const users = UserStore.open(dir);
await users.setPassword("alice", "pencil", ["SCRAM-SHA-256", "SCRAM-SHA-512"]);
await users.setPassword("only512", "pw512", ["SCRAM-SHA-512"]);
const deps: SaslDeps = { users, jwt: undefined, fakeSaltKey: Buffer.alloc(32, 7) };
const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");

describe("SCRAM primitives (RFC 7677 §3)", () => {
  it("reproduce the example's proof and server signature", async () => {
    const salted = await saltedPassword("SCRAM-SHA-256", "pencil", Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"), 4096);
    const clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
    const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const withoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const clientKey = hmac("SCRAM-SHA-256", salted, "Client Key");
    const proof = xor(clientKey, hmac("SCRAM-SHA-256", hash("SCRAM-SHA-256", clientKey), authMessage));
    expect(proof.toString("base64")).toBe("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    expect(hmac("SCRAM-SHA-256", hmac("SCRAM-SHA-256", salted, "Server Key"), authMessage).toString("base64")).toBe("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  });
});

describe("SCRAM exchange", () => {
  for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
    it(`${mechanism}: the right password authenticates and the server proves it knows the key`, async () => {
      const server = createExchange(mechanism, deps);
      const client = new ScramClient(mechanism, "alice", "pencil");
      const first = await server.step(client.first());
      expect(first.result).toBeUndefined();
      const final = await server.step(await client.final(first.challenge));
      expect(final.result?.principal).toEqual({ type: "User", name: "alice" });
      client.verify(final.challenge);
    });
  }

  it("a wrong password, an unknown user and a missing mechanism fail alike, after a full exchange", async () => {
    for (const [mechanism, user, password] of [["SCRAM-SHA-256", "alice", "wrong"], ["SCRAM-SHA-256", "nobody", "pencil"], ["SCRAM-SHA-256", "only512", "pw512"]] as const) {
      const server = createExchange(mechanism, deps);
      const client = new ScramClient(mechanism, user, password);
      const first = await server.step(client.first());
      expect(text(first.challenge)).toMatch(/^r=.+,s=.+,i=4096$/);
      const err = await server.step(await client.final(first.challenge)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthenticationFailedError);
      expect((err as AuthenticationFailedError).message).not.toContain(user);
    }
  });

  it("an unknown user gets the same salt every time (no probing by salt changes)", async () => {
    const salt = async () => text((await createExchange("SCRAM-SHA-256", deps).step(new ScramClient("SCRAM-SHA-256", "ghost", "x").first())).challenge).split(",")[1];
    expect(await salt()).toBe(await salt());
  });

  it("refuses a forged nonce, a bad proof length, channel binding, and a third message", async () => {
    const run = async (tamper: (final: string) => string) => {
      const server = createExchange("SCRAM-SHA-256", deps);
      const client = new ScramClient("SCRAM-SHA-256", "alice", "pencil");
      const first = await server.step(client.first());
      return server.step(Buffer.from(tamper(text(await client.final(first.challenge))))).catch((e: unknown) => e);
    };
    expect(await run((f) => f.replace(/r=([^,]*)/, "r=$1x"))).toBeInstanceOf(AuthenticationFailedError);
    expect(await run((f) => f.replace(/p=.*/, "p=AAAA"))).toBeInstanceOf(AuthenticationFailedError);
    expect(await run((f) => f.replace("c=biws", "c=eSws"))).toBeInstanceOf(AuthenticationFailedError);
    const bound = await createExchange("SCRAM-SHA-256", deps).step(Buffer.from("p=tls-unique,,n=alice,r=abc")).catch((e: unknown) => e);
    expect(bound).toBeInstanceOf(AuthenticationFailedError);
    const server = createExchange("SCRAM-SHA-256", deps);
    const client = new ScramClient("SCRAM-SHA-256", "alice", "pencil");
    const final = await client.final((await server.step(client.first())).challenge);
    await server.step(final);
    expect(await server.step(final).catch((e: unknown) => e)).toBeInstanceOf(AuthenticationFailedError);
  });

  it("accepts librdkafka's client-final nonce (client nonce + server nonce), as Kafka does", async () => {
    const server = createExchange("SCRAM-SHA-256", deps);
    const client = new ScramClient("SCRAM-SHA-256", "alice", "pencil");
    const first = client.first();
    const cnonce = text(first).split("r=")[1]!;
    const serverFirst = text((await server.step(first)).challenge);
    // Recompute the proof over the doubled nonce, as librdkafka does.
    const snonce = serverFirst.split(",")[0]!.slice(2);
    const salted = await saltedPassword("SCRAM-SHA-256", "pencil", Buffer.from(serverFirst.split(",")[1]!.slice(2), "base64"), 4096);
    const withoutProof = `c=biws,r=${cnonce}${snonce}`;
    const authMessage = `n=alice,r=${cnonce},${serverFirst},${withoutProof}`;
    const clientKey = hmac("SCRAM-SHA-256", salted, "Client Key");
    const proof = xor(clientKey, hmac("SCRAM-SHA-256", hash("SCRAM-SHA-256", clientKey), authMessage));
    const done = await server.step(Buffer.from(`${withoutProof},p=${proof.toString("base64")}`));
    expect(done.result?.principal.name).toBe("alice");
  });
});

describe("PLAIN", () => {
  it("checks the password against the stored SCRAM credential", async () => {
    expect((await createExchange("PLAIN", deps).step(Buffer.from("\0alice\0pencil"))).result?.principal.name).toBe("alice");
    expect((await createExchange("PLAIN", deps).step(Buffer.from("alice\0alice\0pencil"))).result?.principal.name).toBe("alice");
    expect((await createExchange("PLAIN", deps).step(Buffer.from("\0only512\0pw512"))).result?.principal.name).toBe("only512");
    for (const bad of ["\0alice\0wrong", "\0nobody\0pencil", "bob\0alice\0pencil", "\0alice", "\0\0", ""]) {
      expect(await createExchange("PLAIN", deps).step(Buffer.from(bad)).catch((e: unknown) => e)).toBeInstanceOf(AuthenticationFailedError);
    }
  });
});

describe("user store", () => {
  it("survives a reopen, never holds the password, and deletes per mechanism", async () => {
    const reopened = UserStore.open(dir);
    expect(reopened.list().map((u) => u.name)).toEqual(["alice", "only512"]);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(reopened.path, "utf8")).not.toContain("pencil");
    expect(reopened.delete("alice", "SCRAM-SHA-512")).toBe(true);
    expect(UserStore.open(dir).list().find((u) => u.name === "alice")?.credentials.map((c) => c.mechanism)).toEqual(["SCRAM-SHA-256"]);
    expect(reopened.delete("nobody")).toBe(false);
    await expect(reopened.setPassword("x", "pw", ["SCRAM-SHA-256"], 100)).rejects.toThrow(/iterations/);
    await expect(reopened.setPassword("bad\nname", "pw", ["SCRAM-SHA-256"])).rejects.toThrow(/user name/);
  });
});
