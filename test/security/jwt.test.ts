// JWT verification: every supported algorithm and key format, and the tokens an attacker would try.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JwtVerifier, TokenRejectedError } from "../../src/security/index.js";
import { makeKeys, sign, unsignedToken } from "./keys.js";

const dir = mkdtempSync(join(tmpdir(), "rivulet-jwt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keys = makeKeys(dir);
const hour = 3600;

describe("JwtVerifier", () => {
  it("verifies RS256, ES256, EdDSA (PEM), HS256 (oct JWK) and JWKS by kid; the principal comes from sub", async () => {
    const cases: [string, "RS256" | "ES256" | "EdDSA" | "HS256"][] = [[keys.files.rsaPem, "RS256"], [keys.files.ecPem, "ES256"], [keys.files.edPem, "EdDSA"], [keys.files.hsJwk, "HS256"]];
    for (const [file, alg] of cases) {
      const v = new JwtVerifier({ keyFile: file });
      const r = await v.verify(await sign(keys, alg, { sub: `u-${alg}` }, { expiresInSec: hour }));
      expect(r.principal).toEqual({ type: "User", name: `u-${alg}` });
      expect(r.expiresAtMs).toBeGreaterThan(Date.now());
    }
    const jwks = new JwtVerifier({ jwksFile: keys.files.jwks });
    expect((await jwks.verify(await sign(keys, "EdDSA", { sub: "ed" }, { expiresInSec: hour, kid: "ed1" }))).principal.name).toBe("ed");
    expect((await jwks.verify(await sign(keys, "ES256", { sub: "ec" }, { expiresInSec: hour, kid: "ec1" }))).principal.name).toBe("ec");
  });

  it("takes the principal from a configured claim and checks aud and iss", async () => {
    const v = new JwtVerifier({ keyFile: keys.files.rsaPem, audience: "rivulet", issuer: "https://idp.example", principalClaim: "email" });
    const ok = await sign(keys, "RS256", { email: "a@example.com", aud: "rivulet", iss: "https://idp.example" }, { expiresInSec: hour });
    expect((await v.verify(ok)).principal.name).toBe("a@example.com");
    await expect(v.verify(await sign(keys, "RS256", { email: "a@x", aud: "other-service", iss: "https://idp.example" }, { expiresInSec: hour }))).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(v.verify(await sign(keys, "RS256", { email: "a@x", aud: "rivulet", iss: "https://evil.example" }, { expiresInSec: hour }))).rejects.toBeInstanceOf(TokenRejectedError);
    await expect(v.verify(await sign(keys, "RS256", { sub: "no-email", aud: "rivulet", iss: "https://idp.example" }, { expiresInSec: hour }))).rejects.toThrow(/claim email/);
  });

  it("refuses expired, not-yet-valid, exp-less, unsigned (alg none), forged and wrong-key tokens", async () => {
    const v = new JwtVerifier({ keyFile: keys.files.rsaPem, clockToleranceSec: 0 });
    const rejected = async (token: string) => expect(v.verify(token)).rejects.toBeInstanceOf(TokenRejectedError);
    await rejected(await sign(keys, "RS256", { sub: "a" }, { expiresInSec: -10 }));
    await rejected(await sign(keys, "RS256", { sub: "a" }, { expiresInSec: hour, notBeforeSec: 600 }));
    await rejected(await sign(keys, "RS256", { sub: "a" }));
    await rejected(unsignedToken({ sub: "admin", exp: Math.floor(Date.now() / 1000) + hour }));
    const good = await sign(keys, "RS256", { sub: "alice" }, { expiresInSec: hour });
    const [h, , s] = good.split(".");
    const forgedPayload = Buffer.from(JSON.stringify({ sub: "admin", exp: Math.floor(Date.now() / 1000) + hour })).toString("base64url");
    await rejected(`${h}.${forgedPayload}.${s}`);
    await rejected(await sign(keys, "ES256", { sub: "a" }, { expiresInSec: hour }));
    // HS256 signed with the RSA public key as the secret (the algorithm-confusion attack).
    const { SignJWT } = await import("jose");
    const pem = keys.rsa.publicKey.export({ type: "spki", format: "pem" }) as string;
    await rejected(await new SignJWT({ sub: "admin" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(pem)));
    await rejected("not.a.jwt");
  });

  it("refuses configurations it cannot honour", () => {
    expect(() => new JwtVerifier({})).toThrow();
    expect(() => new JwtVerifier({ keyFile: keys.files.rsaPem, algorithms: ["none"] })).toThrow(/not supported/);
    const short = join(dir, "short.jwk");
    writeFileSync(short, JSON.stringify({ kty: "oct", k: Buffer.from("short").toString("base64url") }));
    expect(() => new JwtVerifier({ keyFile: short })).toThrow(/32 bytes/);
  });
});
