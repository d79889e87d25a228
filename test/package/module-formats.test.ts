// The client from a user's project, both module systems: `require("rivulet/client")` (the CommonJS bundle,
// dist/client/index.cjs) and `import` (the ES modules), each connecting, producing and reading back; and the
// types resolve for both (tsc, module nodenext, a .cts and a .mts file). The project links the package as
// node_modules/rivulet, as npm does for a local dependency. Needs `npm run build` (dist/).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wsServers, type TestServer } from "../helpers/ws-server.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const env = wsServers();
const project = mkdtempSync(join(tmpdir(), "rivulet-user-"));
let srv: TestServer;

beforeAll(async () => {
  mkdirSync(join(project, "node_modules"));
  symlinkSync(root, join(project, "node_modules", "rivulet"), "dir");
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true }));
  srv = await env.start();
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const body = (topic: string) => `
  const client = await connect({ url: process.env.BROKER });
  await client.admin.createTopic(${JSON.stringify(topic)}, { ifNotExists: true });
  const { offset } = await client.producer({ acks: "all" }).send({ topic: ${JSON.stringify(topic)}, value: "hello" });
  const consumer = client.consumer({ topic: ${JSON.stringify(topic)}, from: "earliest" });
  for await (const record of consumer) { console.log(String(offset), new TextDecoder().decode(record.value)); break; }
  await consumer.close();
  client.close();
`;

async function node(file: string, source: string): Promise<{ stdout: string; stderr: string }> {
  writeFileSync(join(project, file), source);
  return run(process.execPath, [file], { cwd: project, encoding: "utf8", env: { ...process.env, BROKER: srv.url }, timeout: 30_000 });
}

describe("rivulet/client from a user's project", () => {
  it("require() loads the CommonJS bundle and works end to end", async () => {
    const out = await node("use.cjs", `const { connect, KafkaProtocolError } = require("rivulet/client");
if (!require.resolve("rivulet/client").endsWith("/dist/client/index.cjs")) throw new Error("not the CJS bundle");
if (typeof KafkaProtocolError !== "function") throw new Error("errors not exported");
(async () => {${body("from-cjs")}})().catch((e) => { console.error(e); process.exit(1); });
`);
    expect(out).toEqual({ stdout: "0 hello\n", stderr: "" });
  });

  it("import loads the ES modules and works end to end", async () => {
    const out = await node("use.mjs", `import { connect } from "rivulet/client";\n${body("from-esm")}`);
    expect(out).toEqual({ stdout: "0 hello\n", stderr: "" });
  });

  it("types resolve for both (tsc, module nodenext)", async () => {
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ["a.cts", "b.mts"] }));
    writeFileSync(join(project, "a.cts"), `import { connect, type RivuletClient } from "rivulet/client";\nexport const c: Promise<RivuletClient> = connect({ url: "ws://x" });\n`);
    writeFileSync(join(project, "b.mts"), `import { connect, type RivuletClient } from "rivulet/client";\nexport const c: Promise<RivuletClient> = connect({ url: "ws://x" });\nconst n: number = await (await c).admin.createTopic("t", { ifNotExists: true });\n`);
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", project], { cwd: project, encoding: "utf8" }).catch((e: { stdout: string }) => ({ stdout: e.stdout, stderr: "" }));
    // b.mts assigns a boolean to a number on purpose: the one expected error proves the types are really checked.
    expect(result.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^b\.mts\(3,7\): error TS2322: Type 'boolean' is not assignable to type 'number'\.$/)]);
  });
});
