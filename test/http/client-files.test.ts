// /client/: the browser client as one content-hashed, minified ES module (WASM inlined) with a stable tiny
// entry, ETags and 304s, immutable caching for the hashed file, precompressed brotli/gzip chosen by
// Accept-Encoding, and types beside it. Raw node:http requests, so no client decompresses behind our back.
import { createHash } from "node:crypto";
import { request } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { wsServers, type TestServer } from "../helpers/ws-server.js";

const env = wsServers();
let srv: TestServer;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: srv.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  srv = await env.start();
});

async function bundlePath(): Promise<string> {
  const entry = await get("/client/index.js");
  const match = /^export \* from "\.\/(rivulet-client\.([0-9a-f]{16})\.js)";\n$/.exec(entry.body.toString());
  if (!match) throw new Error(`unexpected entry: ${entry.body.toString()}`);
  return `/client/${match[1]}`;
}

describe("/client/", () => {
  it("index.js is a tiny stable entry re-exporting the hashed bundle, short-cached with an ETag", async () => {
    const entry = await get("/client/index.js");
    expect(entry.status).toBe(200);
    expect(entry.body.length).toBeLessThan(100);
    expect(entry.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(entry.headers["cache-control"]).toBe("public, max-age=60");
    expect(entry.headers.etag).toMatch(/^"[\w-]+"$/);
    const again = await get("/client/index.js", { "If-None-Match": String(entry.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it("the hashed bundle: named by its content, immutable, brotli or gzip as accepted, 304 on its ETag", async () => {
    const path = await bundlePath();
    const plain = await get(path);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.headers.vary).toBe("Accept-Encoding");
    expect(path).toContain(createHash("sha256").update(plain.body).digest("hex").slice(0, 16));
    // Minified: few, long lines; self-contained: no static import of another module.
    expect(plain.body.toString().split("\n").length).toBeLessThan(10);
    expect(plain.body.toString()).not.toMatch(/(^|[;}\n])\s*import\s*[{*\w][^(]*from\s*["']/);

    const br = await get(path, { "Accept-Encoding": "gzip, deflate, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.body.length).toBeLessThan(plain.body.length / 2);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    const gz = await get(path, { "Accept-Encoding": "gzip" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect((await get(path, { "Accept-Encoding": "br;q=0, gzip;q=0.5" })).headers["content-encoding"]).toBe("gzip");
    // Each representation has its own ETag; a cached one revalidates to 304.
    expect(new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]).size).toBe(3);
    const revalidated = await get(path, { "Accept-Encoding": "br", "If-None-Match": String(br.headers.etag) });
    expect(revalidated.status).toBe(304);
    expect((await get(path, { "Accept-Encoding": "br", "If-None-Match": String(gz.headers.etag) })).status).toBe(200);
  });

  it("the bundle alone is the whole client: it loads from a file and its inlined WASM core round-trips a batch", async () => {
    const path = await bundlePath();
    const file = fileURLToPath(new URL(`../../dist/browser/${path.slice("/client/".length)}`, import.meta.url));
    const m = (await import(pathToFileURL(file).href)) as Record<string, unknown> & {
      encodeRecordBatch(records: Array<{ key: string; value: string }>): Uint8Array;
      decodeRecordBatch(batch: Uint8Array): { records: Array<{ value: Uint8Array | null }> };
    };
    for (const name of ["connect", "RivuletClient", "KafkaProtocolError", "crc32c", "partitionForKey"]) expect(typeof m[name]).toBe("function");
    const batch = m.encodeRecordBatch([{ key: "k", value: "vé" }]);
    expect(new TextDecoder().decode(m.decodeRecordBatch(batch).records[0]!.value!)).toBe("vé");
  });

  it("serves the types beside it, and nothing outside the client's directories", async () => {
    const types = await get("/client/index.d.ts");
    expect(types.status).toBe(200);
    expect(types.body.toString()).toBe('export * from "./client/browser.js";\n');
    const browserTypes = await get("/client/client/browser.d.ts");
    expect(browserTypes.status).toBe(200);
    expect(browserTypes.body.toString()).toContain("export");
    expect((await get("/client/client/index.d.ts")).body.toString()).toMatch(/createTopic|Admin/);
    for (const path of ["/client/../package.json", "/client/client/../../package.json", "/client/cli/main.js", "/client/nope.js", "/client/server.js"]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});
