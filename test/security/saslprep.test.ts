// SASLprep (RFC 4013): the examples of its section 3, each step of the profile (mapping, NFKC, prohibited
// output, bidi, unassigned code points in stored strings only), and the SCRAM credential derived through it.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { saslPrep, SaslPrepError } from "../../src/protocol/saslprep.js";
import { deriveCredential, passwordMatches, UserStore } from "../../src/security/index.js";
import { InvalidArgumentError } from "../../src/errors/index.js";

describe("RFC 4013 section 3 examples", () => {
  it.each([
    ["I\u00ADX", "IX", "SOFT HYPHEN mapped to nothing"],
    ["user", "user", "no transformation"],
    ["USER", "USER", "case preserved, will not match #2"],
    ["\u00AA", "a", "output is NFKC, input in ISO 8859-1"],
    ["\u2168", "IX", "output is NFKC, will match #1"],
  ])("%j -> %j (%s)", (input, output) => {
    expect(saslPrep(input)).toBe(output);
  });

  it("<U+0007> is an error (prohibited character)", () => {
    expect(() => saslPrep("\u0007")).toThrow(SaslPrepError);
  });

  it("<U+0627><U+0031> is an error (bidi check)", () => {
    expect(() => saslPrep("\u0627\u0031")).toThrow(/start and end with a right-to-left/);
  });
});

describe("each step", () => {
  it("maps non-ASCII spaces to U+0020 and removes the commonly-mapped-to-nothing characters", () => {
    expect(saslPrep("a\u00A0b\u2003c\u3000d")).toBe("a b c d");
    expect(saslPrep("a\u200Bb\uFEFFc\u1806d\uFE0F")).toBe("abcd");
    expect(() => saslPrep("a\u180Eb")).toThrow(SaslPrepError); // MONGOLIAN VOWEL SEPARATOR is C.2.2, not B.1
  });

  it("normalizes with NFKC (compatibility and composition)", () => {
    expect(saslPrep("\uFB01")).toBe("fi");
    expect(saslPrep("e\u0301")).toBe("\u00E9");
    expect(saslPrep("\uFF21\uFF22")).toBe("AB");
  });

  it.each([
    ["\u0000", "ASCII control (C.2.1)"],
    ["a\u007Fb", "DEL (C.2.1)"],
    ["\u0080", "non-ASCII control (C.2.2)"],
    ["\u200E", "LEFT-TO-RIGHT MARK (C.8)"],
    ["\uE000", "private use (C.3)"],
    ["\uFFFF", "non-character (C.4)"],
    ["\uD800", "lone surrogate (C.5)"],
    ["\uFFFD", "inappropriate for plain text (C.6)"],
    ["\u2FF0", "ideographic description (C.7)"],
    ["\u{E0001}", "tagging (C.9)"],
    ["\u{F0000}", "plane 15 private use (C.3)"],
  ])("refuses %j: %s", (input) => {
    expect(() => saslPrep(input)).toThrow(SaslPrepError);
    expect(() => saslPrep(input, { stored: false })).toThrow(SaslPrepError);
  });

  it("bidi: right-to-left strings are fine alone, not mixed with left-to-right ones", () => {
    expect(saslPrep("\u0627\u0628")).toBe("\u0627\u0628");
    expect(saslPrep("\u05D0 1 \u05D1")).toBe("\u05D0 1 \u05D1");
    expect(() => saslPrep("\u0627a\u0628")).toThrow(/mixed/);
    expect(() => saslPrep("1\u0627")).toThrow(SaslPrepError);
  });

  it("unassigned code points (Unicode 3.2) are refused in stored strings, allowed in queries", () => {
    // U+0221 was assigned in Unicode 4.0; U+0378 and U+1F600 later or never in 3.2.
    for (const s of ["\u0221", "a\u0378", "\u{1F600}"]) {
      expect(() => saslPrep(s)).toThrow(/unassigned code point/);
      expect(() => saslPrep(s, { stored: false })).not.toThrow();
    }
  });
});

describe("SCRAM credentials", () => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-saslprep-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a password and its SASLprep-equivalent spelling match the same credential; a different one does not", async () => {
    const credential = await deriveCredential("SCRAM-SHA-256", "I\u00ADX\u00A0pass");
    expect(await passwordMatches("SCRAM-SHA-256", credential, "\u2168 pass")).toBe(true);
    expect(await passwordMatches("SCRAM-SHA-256", credential, "ix pass")).toBe(false);
  });

  it("a password SASLprep refuses cannot be stored (typed error naming the code point)", async () => {
    const users = UserStore.open(dir);
    await expect(users.setPassword("u", "bad\u0007pw", ["SCRAM-SHA-256"])).rejects.toThrow(InvalidArgumentError);
    await expect(users.setPassword("u", "new\u0221", ["SCRAM-SHA-256"])).rejects.toThrow(/U\+0221/);
    expect(users.has("u")).toBe(false);
  });
});
