// The console's file server (src/frontends/http/ui-files.ts) on a built directory of its own: content
// types, cache policy (immutable hashed assets, revalidated index), ETag/304, the precompressed encoding
// the client accepts, and nothing outside index.html and assets/ reachable. The live route is exercised
// over HTTP by test/ui/console.test.ts.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gunzipSync, gzipSync, brotliDecompressSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { parseAcceptEncoding, UiFiles } from "../../src/frontends/http/ui-files.js";

const dir = mkdtempSync(join(tmpdir(), "rivulet-ui-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const html = Buffer.from('<!doctype html><script type="module" src="/ui/assets/console-ABC.js"></script>');
const js = Buffer.from("console.log('console');".repeat(50));
mkdirSync(join(dir, "assets"));
writeFileSync(join(dir, "index.html"), html);
writeFileSync(join(dir, "index.html.gz"), gzipSync(html));
writeFileSync(join(dir, "assets", "console-ABC.js"), js);
writeFileSync(join(dir, "assets", "console-ABC.js.gz"), gzipSync(js));
writeFileSync(join(dir, "assets", "console-ABC.js.br"), brotliCompressSync(js));
writeFileSync(join(dir, "assets", "console-ABC.css"), "body{}");
writeFileSync(join(dir, "secret.txt"), "not for the web");
const files = new UiFiles(dir);
const header = (r: { headers: [string, string][] }, name: string) => r.headers.find(([n]) => n.toLowerCase() === name)?.[1];

describe("console files", () => {
  it("serves index.html for /ui, /ui/ and /ui/index.html, revalidated on every load", () => {
    for (const url of ["/ui", "/ui/", "/ui/index.html"]) {
      const r = files.respond(url, "", "");
      expect(r.status).toBe(200);
      expect(header(r, "content-type")).toBe("text/html; charset=utf-8");
      expect(header(r, "cache-control")).toBe("no-cache");
      expect(Buffer.from(r.body as Uint8Array).equals(html)).toBe(true);
    }
  });

  it("serves hashed assets as immutable, with the best encoding the client accepts", () => {
    const br = files.respond("/ui/assets/console-ABC.js", "gzip, deflate, br", "");
    expect(header(br, "cache-control")).toBe("public, max-age=31536000, immutable");
    expect(header(br, "content-type")).toMatch(/^text\/javascript/);
    expect(header(br, "content-encoding")).toBe("br");
    expect(header(br, "vary")).toBe("Accept-Encoding");
    expect(brotliDecompressSync(br.body as Uint8Array).equals(js)).toBe(true);
    const gz = files.respond("/ui/assets/console-ABC.js", "gzip", "");
    expect(header(gz, "content-encoding")).toBe("gzip");
    expect(gunzipSync(gz.body as Uint8Array).equals(js)).toBe(true);
    // br refused with q=0, and a file with no precompressed sibling: identity.
    expect(header(files.respond("/ui/assets/console-ABC.js", "br;q=0, gzip;q=0", ""), "content-encoding")).toBeUndefined();
    const css = files.respond("/ui/assets/console-ABC.css", "br, gzip", "");
    expect(header(css, "content-encoding")).toBeUndefined();
    expect(header(css, "content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers 304 to a matching If-None-Match, with the same ETag for every encoding", () => {
    const first = files.respond("/ui/assets/console-ABC.js", "br", "");
    const etag = header(first, "etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(header(files.respond("/ui/assets/console-ABC.js", "gzip", ""), "etag")).toBe(etag);
    const again = files.respond("/ui/assets/console-ABC.js", "br", `"other", ${etag}`);
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    expect(files.respond("/ui/assets/console-ABC.js", "br", '"stale"').status).toBe(200);
    // index.html's ETag differs from the asset's.
    expect(header(files.respond("/ui", "", ""), "etag")).not.toBe(etag);
  });

  it("serves nothing outside index.html and assets/: traversal, siblings, compressed files by name", () => {
    for (const url of ["/ui/secret.txt", "/ui/../package.json", "/ui/assets/../secret.txt", "/ui/assets/console-ABC.js.gz", "/ui/assets/", "/ui/assets/%2e%2e/secret.txt", "/ui/index.html.gz"]) {
      expect(files.respond(url, "br", "").status, url).toBe(404);
    }
  });

  it("says the console is not built when there is no index.html", () => {
    const r = new UiFiles(join(dir, "missing")).respond("/ui", "", "");
    expect(r.status).toBe(503);
    expect(String(r.body)).toMatch(/build:ui/);
  });

  it("parses Accept-Encoding with q-values", () => {
    expect([...parseAcceptEncoding("gzip;q=0.5, br;q=0, identity")]).toEqual(["gzip", "identity"]);
    expect([...parseAcceptEncoding("")]).toEqual([]);
  });
});
