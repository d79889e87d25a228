// A parser for the RE2 syntax Kafka accepts in ConsumerGroupHeartbeat's SubscribedTopicRegex (Kafka compiles
// it with RE2/J). JavaScript's RegExp is not used: it accepts constructs RE2 refuses (backreferences,
// lookaround), reads some RE2 syntax differently (`[[:alpha:]]`, `[]a]`, `(?i)`, `\Q…\E`), and backtracks,
// so a hostile pattern such as `(a+)+b` could stall the coordinator. This parser follows RE2's grammar and
// hands a tree to regex-match.ts, which matches in time linear in the name's length.
//
// Supported (as RE2): literals; `.`; `[...]` / `[^...]` with ranges, escapes and ASCII classes
// (`[[:alpha:]]`, `[[:^digit:]]`); `\d \D \s \S \w \W`; `\a \f \t \n \r \v`, `\x7F`, `\x{7F}`, octal `\0`,
// `\123`; `\Q…\E`; escaped punctuation; `^ $ \A \z \b \B`; groups `(re)`, `(?:re)`, `(?P<n>re)`, `(?<n>re)`;
// flags `(?imsU)`, `(?i-s)`, `(?i:re)`; `| * + ? {n} {n,} {n,m}` (n, m ≤ 1000) and their lazy forms `*?`…
// Refused with a message (RE2 refuses them too): backreferences (`\1`, `\k<n>`, `(?P=n)`), lookahead and
// lookbehind, atomic groups, possessive and doubled repetition (`a*+`, `a**`), `\Z`, repetition counts
// above 1000, unbalanced parentheses or brackets.
// Refused here although RE2 accepts them: Unicode classes (`\pL`, `\p{Greek}`) and `\C`. Flags other than
// i, m, s, U are refused (as RE2 does). Case folding (`(?i)`) is ASCII only. Topic names are ASCII (`[a-zA-Z0-9._-]`), so neither
// changes which topics a pattern can match.

export type CharTest = (c: number) => boolean;

export type Node =
  | { t: "empty" }
  | { t: "char"; test: CharTest }
  | { t: "cat"; items: Node[] }
  | { t: "alt"; alts: Node[] }
  | { t: "rep"; node: Node; min: number; max: number }
  | { t: "assert"; kind: "bol" | "eol" | "bot" | "eot" | "word" | "nonword" };

export class RegexSyntaxError extends Error {}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const MAX_REPEAT = 1000;
const isDigit = (c: string) => c >= "0" && c <= "9";
const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
export { isWordCode };

const POSIX: Record<string, CharTest> = {
  alnum: (c) => isWordCode(c) && c !== 95,
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 32 || c === 9,
  cntrl: (c) => c < 32 || c === 127,
  digit: (c) => c >= 48 && c <= 57,
  graph: (c) => c > 32 && c < 127,
  lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 32 && c < 127,
  punct: (c) => (c > 32 && c < 127 && !isWordCode(c)) || c === 95,
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  upper: (c) => c >= 65 && c <= 90,
  word: isWordCode,
  xdigit: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

const PERL: Record<string, CharTest> = {
  d: POSIX.digit!,
  s: (c) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13,
  w: isWordCode,
};

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };

function fold(c: number): number[] {
  if (c >= 65 && c <= 90) return [c, c + 32];
  if (c >= 97 && c <= 122) return [c, c - 32];
  return [c];
}

export function parseRegex(source: string): Node {
  let pos = 0;
  const fail = (message: string): never => {
    throw new RegexSyntaxError(`${message} at position ${pos}`);
  };
  const peek = (n = 0) => source[pos + n];
  const eat = (s: string) => (source.startsWith(s, pos) ? ((pos += s.length), true) : false);

  const literal = (code: number, flags: Flags): Node => {
    if (!flags.i) return { t: "char", test: (c) => c === code };
    const codes = fold(code);
    return { t: "char", test: (c) => codes.includes(c) };
  };

  /** An escape after `\` (pos at the character after it); returns a char test, or an assertion node. */
  const escape = (inClass: boolean): CharTest | Node => {
    const c = peek();
    if (c === undefined) return fail("trailing backslash");
    pos++;
    if (c in SIMPLE_ESCAPES) return eqCode(SIMPLE_ESCAPES[c]!);
    const perl = PERL[c.toLowerCase()];
    if (perl && "dswDSW".includes(c)) return c === c.toLowerCase() ? perl : (x: number) => !perl(x);
    if (c === "x") {
      if (eat("{")) {
        const end = source.indexOf("}", pos);
        const hex = end < 0 ? "" : source.slice(pos, end);
        if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) return fail("invalid \\x{...} escape");
        pos = end + 1;
        return eqCode(parseInt(hex, 16));
      }
      const hex = source.slice(pos, pos + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return fail("invalid \\x escape");
      pos += 2;
      return eqCode(parseInt(hex, 16));
    }
    if (c >= "0" && c <= "7") {
      // RE2: \0 starts an octal escape; \1-\7 do only when another octal digit follows (else: backreference).
      if (c !== "0" && !(peek()! >= "0" && peek()! <= "7")) return fail("backreferences are not supported");
      let digits = c;
      while (digits.length < 3 && peek() !== undefined && peek()! >= "0" && peek()! <= "7") digits += source[pos++];
      return eqCode(parseInt(digits, 8));
    }
    if (c === "8" || c === "9") return fail("backreferences are not supported");
    if (!inClass) {
      if (c === "A") return { t: "assert", kind: "bot" };
      if (c === "z") return { t: "assert", kind: "eot" };
      if (c === "b") return { t: "assert", kind: "word" };
      if (c === "B") return { t: "assert", kind: "nonword" };
    }
    if (c === "p" || c === "P") return fail("Unicode classes (\\p, \\P) are not supported by this broker");
    if (c === "k") return fail("backreferences are not supported");
    const code = c.charCodeAt(0);
    if (code < 0x80 && !/[a-zA-Z0-9]/.test(c)) return eqCode(code);
    return fail(`invalid escape sequence \\${c}`);
  };

  const charClass = (flags: Flags): Node => {
    // pos is after "["
    const negate = eat("^");
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = peek();
      if (c === undefined) return fail("missing closing ]");
      if (c === "]" && !first) {
        pos++;
        break;
      }
      first = false;
      if (c === "[" && peek(1) === ":") {
        const end = source.indexOf(":]", pos + 2);
        if (end >= 0) {
          let name = source.slice(pos + 2, end);
          const neg = name.startsWith("^");
          if (neg) name = name.slice(1);
          const test = POSIX[name];
          if (!test) return fail(`invalid character class [:${name}:]`);
          tests.push(neg ? (x) => !test(x) : test);
          pos = end + 2;
          continue;
        }
      }
      let lo: number;
      if (c === "\\") {
        pos++;
        const e = escape(true);
        if (typeof e !== "function") return fail("invalid escape in a character class");
        const single = singleCode(e);
        if (single === undefined) {
          tests.push(e);
          continue;
        }
        lo = single;
      } else {
        lo = source.charCodeAt(pos++);
      }
      if (peek() === "-" && peek(1) !== "]" && peek(1) !== undefined) {
        pos++;
        let hi: number;
        if (peek() === "\\") {
          pos++;
          const e = escape(true);
          const single = typeof e === "function" ? singleCode(e) : undefined;
          if (single === undefined) return fail("invalid character class range");
          hi = single;
        } else {
          hi = source.charCodeAt(pos++);
        }
        if (hi < lo) return fail("invalid character class range");
        tests.push(flags.i ? (x) => fold(x).some((f) => f >= lo && f <= hi) : (x) => x >= lo && x <= hi);
      } else {
        tests.push(flags.i ? (x) => fold(x).includes(lo) : (x) => x === lo);
      }
    }
    const any: CharTest = (x) => tests.some((t) => t(x));
    return { t: "char", test: negate ? (x) => !any(x) : any };
  };

  const group = (flags: Flags): Node => {
    // pos is after "("
    if (eat("?")) {
      if (eat(":")) return closeGroup(alternation({ ...flags }));
      const c = peek();
      if (c === "=" || c === "!") return fail("lookahead is not supported");
      if (source.startsWith("<=", pos) || source.startsWith("<!", pos)) return fail("lookbehind is not supported");
      if (c === ">") return fail("atomic groups are not supported");
      if (source.startsWith("P=", pos)) return fail("backreferences are not supported");
      if (c === "P" || c === "<") {
        if (c === "P") pos++;
        if (!eat("<")) return fail("invalid named group");
        const end = source.indexOf(">", pos);
        if (end < 0 || !/^[A-Za-z0-9_]+$/.test(source.slice(pos, end))) return fail("invalid named group name");
        pos = end + 1;
        return closeGroup(alternation({ ...flags }));
      }
      // Flags: (?i), (?i-s), (?i:re)
      const inner = { ...flags };
      let negative = false;
      let any = false;
      for (;;) {
        const f = peek();
        if (f === undefined) return fail("missing closing )");
        pos++;
        if (f === "-") {
          if (negative) return fail("invalid flags");
          negative = true;
          continue;
        }
        if (f === ")" || f === ":") {
          if (!any || source[pos - 2] === "-") return fail("invalid flags");
          if (f === ")") {
            Object.assign(flags, inner); // the rest of the enclosing group
            return { t: "empty" };
          }
          return closeGroup(alternation(inner));
        }
        if (f === "i" || f === "m" || f === "s") inner[f] = !negative;
        else if (f !== "U") return fail(f === "#" ? "comments are not supported" : `flag ${f} is not supported by this broker`);
        any = true;
      }
    }
    return closeGroup(alternation({ ...flags }));
  };

  const closeGroup = (node: Node): Node => {
    if (!eat(")")) return fail("missing closing )");
    return node;
  };

  const atom = (flags: Flags): Node | undefined => {
    const c = peek();
    if (c === undefined || c === "|" || c === ")") return undefined;
    if ("*+?".includes(c)) return fail("missing argument to repetition operator");
    if (c === "{" && repeatAt(pos)) return fail("missing argument to repetition operator");
    pos++;
    switch (c) {
      case "(":
        return group(flags);
      case "[":
        return charClass(flags);
      case ".":
        return { t: "char", test: flags.s ? () => true : (x) => x !== 10 };
      case "^":
        return { t: "assert", kind: flags.m ? "bol" : "bot" };
      case "$":
        return { t: "assert", kind: flags.m ? "eol" : "eot" };
      case "\\": {
        if (eat("Q")) {
          const end = source.indexOf("\\E", pos);
          const text = end < 0 ? source.slice(pos) : source.slice(pos, end);
          pos = end < 0 ? source.length : end + 2;
          return { t: "cat", items: [...text].map((ch) => literal(ch.charCodeAt(0), flags)) };
        }
        if (peek() === "Z") return fail("\\Z is not supported (use \\z)");
        if (peek() === "C") return fail("\\C is not supported by this broker");
        const e = escape(false);
        if (typeof e !== "function") return e;
        const single = singleCode(e);
        return single !== undefined && flags.i ? literal(single, flags) : { t: "char", test: e };
      }
      default:
        return literal(c.charCodeAt(0), flags);
    }
  };

  /** `{n}`, `{n,}` or `{n,m}` at `at`: its bounds, or undefined when the brace is a literal. */
  const repeatAt = (at: number): { min: number; max: number; length: number } | undefined => {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
    if (!m) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
    return { min, max, length: m[0].length };
  };

  const repetition = (node: Node): Node => {
    let out = node;
    let repeated = false;
    for (;;) {
      const c = peek();
      let min: number;
      let max: number;
      if (c === "*" || c === "+" || c === "?") {
        pos++;
        [min, max] = c === "*" ? [0, Infinity] : c === "+" ? [1, Infinity] : [0, 1];
      } else if (c === "{" && repeatAt(pos)) {
        const r = repeatAt(pos)!;
        if (r.min > MAX_REPEAT || (r.max !== Infinity && r.max > MAX_REPEAT)) return fail(`repetition count above ${MAX_REPEAT}`);
        if (r.max < r.min) return fail("invalid repetition range");
        pos += r.length;
        min = r.min;
        max = r.max;
      } else {
        return out;
      }
      if (repeated) return fail("bad repetition operator (doubled or possessive)");
      repeated = true;
      eat("?"); // lazy: the same set of matches
      if (peek() === "+") return fail("bad repetition operator (possessive)");
      out = { t: "rep", node: out, min, max };
    }
  };

  const concatenation = (flags: Flags): Node => {
    const items: Node[] = [];
    for (;;) {
      const a = atom(flags);
      if (!a) break;
      items.push(repetition(a));
    }
    return items.length === 0 ? { t: "empty" } : items.length === 1 ? items[0]! : { t: "cat", items };
  };

  const alternation = (flags: Flags): Node => {
    const alts = [concatenation(flags)];
    while (eat("|")) alts.push(concatenation(flags));
    return alts.length === 1 ? alts[0]! : { t: "alt", alts };
  };

  const tree = alternation({ i: false, m: false, s: false });
  if (pos < source.length) fail("unmatched )");
  return tree;
}

function eqCode(code: number): CharTest {
  const test = (c: number) => c === code;
  (test as CharTest & { code?: number }).code = code;
  return test;
}

/** The one code a test accepts, when it was built by eqCode (a literal escape), else undefined. */
function singleCode(test: CharTest): number | undefined {
  return (test as CharTest & { code?: number }).code;
}
