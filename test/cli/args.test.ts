// The CLI's flag parser and stdin line splitter, in-process.
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { UsageError } from "../../src/cli/errors.js";
import { readLines, splitKey } from "../../src/cli/lines.js";

const specs = {
  port: { kind: "integer", description: "", default: 8080, min: 0, env: "T_PORT" },
  host: { kind: "string", description: "", env: "T_HOST" },
  format: { kind: "string", description: "", default: "value", choices: ["value", "json"] },
  follow: { kind: "boolean", description: "" },
  partition: { kind: "integer", description: "", multiple: true, min: 0 },
  config: { kind: "string", description: "", multiple: true },
} as const;

describe("parseArgs", () => {
  it("reads --flag value, --flag=value, booleans, repeated flags and positionals", () => {
    const { flags, positionals, help } = parseArgs(
      ["orders", "--port", "9000", "--host=a.b", "--follow", "--partition", "1", "--partition=2", "--config", "a=b", "--config=c=d", "--", "--not-a-flag"],
      specs,
      {},
    );
    expect(flags).toEqual({ port: 9000, host: "a.b", format: "value", follow: true, partition: [1, 2], config: ["a=b", "c=d"] });
    expect(positionals).toEqual(["orders", "--not-a-flag"]);
    expect(help).toBe(false);
  });

  it("takes defaults, then environment variables, then the command line", () => {
    expect(parseArgs([], specs, {}).flags).toMatchObject({ port: 8080, host: undefined, follow: false, partition: [] });
    expect(parseArgs([], specs, { T_PORT: "1234", T_HOST: "h" }).flags).toMatchObject({ port: 1234, host: "h" });
    expect(parseArgs(["--port", "1"], specs, { T_PORT: "1234" }).flags.port).toBe(1);
    expect(parseArgs(["--follow=false"], specs, {}).flags.follow).toBe(false);
    expect(parseArgs(["--port", "-1"], { port: { kind: "integer", description: "" } }, {}).flags.port).toBe(-1);
  });

  it("reports --help without failing on the rest", () => {
    expect(parseArgs(["-h"], specs, {}).help).toBe(true);
    expect(parseArgs(["--port", "1", "--help"], specs, {}).help).toBe(true);
  });

  it("rejects unknown flags, missing values and bad values with a UsageError", () => {
    for (const [argv, message] of [
      [["--nope"], "unknown flag --nope"],
      [["-x"], "unknown flag -x"],
      [["--port"], "--port needs a value"],
      [["--host", "--follow"], "--host needs a value"],
      [["--port", "12x"], "--port expects an integer, got '12x'"],
      [["--partition", "-3"], "--partition must be at least 0, got -3"],
      [["--format", "xml"], "--format must be one of value, json, got 'xml'"],
      [["--follow=maybe"], "--follow expects true or false, got 'maybe'"],
    ] as const) {
      const error = (() => {
        try {
          parseArgs(argv, specs, {});
        } catch (e) {
          return e;
        }
      })();
      expect(error, argv.join(" ")).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(message);
    }
    expect(() => parseArgs([], specs, { T_PORT: "x" })).toThrow("T_PORT expects an integer, got 'x'");
  });
});

async function collect(chunks: string[]): Promise<string[]> {
  const out: string[] = [];
  async function* source() {
    for (const c of chunks) yield Buffer.from(c);
  }
  for await (const lines of readLines(source())) out.push(...lines.map((l) => l.toString()));
  return out;
}

describe("readLines", () => {
  it("splits LF and CRLF lines across arbitrary chunk boundaries and keeps a last line without newline", async () => {
    const text = "alpha\r\nbeta\n\ngamma\r\ndelta";
    const expected = ["alpha", "beta", "", "gamma", "delta"];
    expect(await collect([text])).toEqual(expected);
    for (let cut = 0; cut <= text.length; cut++) expect(await collect([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(expected);
    expect(await collect(text.split(""))).toEqual(expected);
    expect(await collect(["a\n"])).toEqual(["a"]);
    expect(await collect([])).toEqual([]);
  });

  it("splits a key at the first separator only", () => {
    const [key, value] = splitKey(Buffer.from("k::v::w"), Buffer.from("::"));
    expect([key?.toString(), value.toString()]).toEqual(["k", "v::w"]);
    expect(splitKey(Buffer.from("plain"), Buffer.from("="))[0]).toBeNull();
  });
});
