// A throwaway CA and a server certificate for 127.0.0.1 (P-256, as a typical deployment's ECDSA
// certificate), made with openssl for the TLS benchmark; nothing is committed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BenchCerts {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

export function makeCerts(): BenchCerts {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-tls-bench-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...ec, "-days", "1", "-subj", "/CN=Rivulet Bench CA", "-keyout", "ca.key", "-out", "ca.pem");
  ssl("req", ...ec, "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "server.ext", "-out", "server.pem");
  return { dir, ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}
