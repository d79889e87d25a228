// Certificates made at test time with openssl (nothing secret is committed): a CA, server certificates for
// 127.0.0.1/localhost signed by it, and client certificates for mTLS.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const opensslAvailable = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;

export interface TestCa {
  dir: string;
  caCert: string;
  /** Issues a server certificate for 127.0.0.1 and localhost; returns its PEM paths and serial. */
  server(name: string): { cert: string; key: string; serial: string };
  /** Issues a client certificate with subject CN=<cn>. */
  client(cn: string): { cert: string; key: string };
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-certs-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=Rivulet Test CA", "-keyout", "ca.key", "-out", "ca.pem");
  const issue = (name: string, subject: string, extensions: string) => {
    ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", subject, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  return {
    dir,
    caCert: join(dir, "ca.pem"),
    server(name) {
      const files = issue(name, "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
      const serial = execFileSync("openssl", ["x509", "-noout", "-serial", "-in", files.cert]).toString().trim().split("=")[1]!;
      return { ...files, serial };
    },
    client(cn) {
      return issue(`client-${cn}`, `/CN=${cn}`, "extendedKeyUsage=clientAuth\n");
    },
  };
}

export function pem(path: string): Buffer {
  return readFileSync(path);
}
