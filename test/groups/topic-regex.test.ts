// The RE2-syntax topic matcher (src/groups/consumer/regex-*.ts): whole-name matches; the same answers as
// JavaScript's RegExp where both read a pattern alike (checked on random names); RE2's readings where they
// differ; RE2's refusals; and linear time on patterns that make a backtracking engine explode.

import { describe, expect, it } from "vitest";
import { compileTopicRegex } from "../../src/groups/consumer/regex-match.js";
import { RegexSyntaxError } from "../../src/groups/consumer/regex-parse.js";

const matches = (re: string, name: string) => compileTopicRegex(re).matches(name);

describe("topic regex (RE2 syntax, whole-name match)", () => {
  it("matches whole names only, as RE2/J's matches()", () => {
    expect(matches("orders", "orders")).toBe(true);
    expect(matches("orders", "orders-v2")).toBe(false);
    expect(matches("orders", "reorders")).toBe(false);
    expect(matches("orders.*", "orders-v2")).toBe(true);
    expect(matches(".*orders.*", "reorders-eu")).toBe(true);
    expect(matches("^orders$", "orders")).toBe(true);
    expect(matches("", "")).toBe(true);
    expect(matches("", "x")).toBe(false);
  });

  it("agrees with JavaScript's RegExp on patterns both read alike, over random names", () => {
    const patterns = [
      "a.*", "[a-c]+-[0-9]{2,3}", "(orders|payments)-(eu|us)", "x?y*z+", "[^.]+\\.events", "\\w+_\\d{1,2}", "(ab|a)(bc|c)?",
      "a{3}", "a{2,}", "[-a]+", "[a-]+", "(a|b)*abb", "\\bfoo\\b.*", "(?:x|y){0,4}", "a|", "[\\d.]+", "\\.+", ".?.?.?", "(a*)*b",
    ];
    const alphabet = "abcxyz019.-_eu";
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const names = ["", "orders-eu", "payments-us", "abb", "aabb", "foo.bar", "aaa", "ab-12", "x", "abc", "a.b"];
    for (let i = 0; i < 400; i++) names.push(Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""));
    for (const p of patterns) {
      const js = new RegExp(`^(?:${p})$`);
      for (const n of names) expect(matches(p, n), `${p} on "${n}"`).toBe(js.test(n));
    }
  });

  it("reads RE2 syntax that JavaScript reads differently or not at all", () => {
    expect(matches("[[:alpha:]]+", "abc")).toBe(true);
    expect(matches("[[:alpha:]]+", "a:b")).toBe(false); // JS would read a set of [ : a l p h ]
    expect(matches("[[:^digit:]]+", "ab")).toBe(true);
    expect(matches("[]a]+", "]a]")).toBe(true); // ] first in a class is a literal in RE2
    expect(matches("(?i)orders", "ORDERS")).toBe(true);
    expect(matches("(?i:ab)c", "ABc")).toBe(true);
    expect(matches("(?i:ab)c", "ABC")).toBe(false);
    expect(matches("\\Qa.b\\E.*", "a.bxyz")).toBe(true);
    expect(matches("\\Qa.b\\E", "axb")).toBe(false);
    expect(matches("(?P<env>prod|dev)-.*", "prod-1")).toBe(true);
    expect(matches("\\x{41}\\x42", "AB")).toBe(true);
    expect(matches("\\101", "A")).toBe(true); // octal
    expect(matches("\\Aab\\z", "ab")).toBe(true);
    expect(matches("a{,2}", "a{,2}")).toBe(true); // not a repetition: literal, as in RE2
    expect(matches("x*?y", "xxy")).toBe(true);
  });

  it.each([
    ["(a)\\1", "backreferences"],
    ["(?P<x>a)(?P=x)", "backreferences"],
    ["\\k<x>", "backreferences"],
    ["a(?=b)", "lookahead"],
    ["a(?!b)", "lookahead"],
    ["(?<=a)b", "lookbehind"],
    ["(?<!a)b", "lookbehind"],
    ["(?>a)", "atomic"],
    ["a*+", "possessive"],
    ["a**", "doubled or possessive"],
    ["a{1001}", "above 1000"],
    ["a{3,2}", "invalid repetition range"],
    ["*a", "missing argument"],
    ["(a", "missing closing )"],
    ["a)", "unmatched )"],
    ["[a", "missing closing ]"],
    ["[z-a]", "invalid character class range"],
    ["[[:nope:]]", "invalid character class"],
    ["\\pL", "Unicode classes"],
    ["\\Z", "\\Z"],
    ["\\q", "invalid escape"],
    ["(?x)a", "flag x"],
    ["a\\", "trailing backslash"],
  ])("refuses %s (%s)", (pattern, reason) => {
    expect(() => compileTopicRegex(pattern)).toThrow(RegexSyntaxError);
    expect(() => compileTopicRegex(pattern)).toThrow(reason);
  });

  it("refuses a pattern too large to compile, and matches hostile patterns in linear time", () => {
    expect(() => compileTopicRegex("(((a{1000}){1000}){1000})")).toThrow("too large");
    const evil = ["(a+)+b", "(a|a)*b", "(a|aa)+c", "(.*a){12}x", "((a*)*)*b"];
    const name = "a".repeat(249); // Kafka's longest topic name
    const started = performance.now();
    for (const p of evil) expect(matches(p, name)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
