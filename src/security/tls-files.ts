// TLS material from PEM files, for both listeners: the Kafka listener (node:tls) and the HTTP/WebSocket
// listener (uWebSockets.js's SSL app, which reads the files itself). Read at start and again on reload
// (SIGHUP), so renewed certificates take effect for new connections while open ones carry on.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { X509Certificate } from "node:crypto";

export interface TlsFiles {
  /** PEM certificate chain of the server. */
  certFile: string;
  /** PEM private key of the server. */
  keyFile: string;
  /** Passphrase of the key, if it is encrypted. */
  passphrase?: string;
  /** PEM CA bundle that client certificates must chain to: set it to ask clients for certificates (mTLS). */
  caFile?: string;
  /** With caFile: refuse clients without a valid certificate (default true). False makes it optional. */
  requireClientCert?: boolean;
}

export interface LoadedTls {
  cert: Buffer;
  key: Buffer;
  passphrase?: string;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  /** For the start-up log: the certificate's subject and expiry. */
  summary: { subject: string; validTo: string; clientCerts: "off" | "optional" | "required" };
}

/** Reads and checks the files (a clear error naming the file that is missing or not PEM). */
export function loadTlsFiles(files: TlsFiles): LoadedTls {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(resolve(path));
    } catch (error) {
      throw new Error(`TLS ${what} file ${path}: ${(error as Error).message}`);
    }
  };
  const cert = read("certificate", files.certFile);
  const key = read("key", files.keyFile);
  const ca = files.caFile ? read("CA", files.caFile) : undefined;
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`TLS certificate file ${files.certFile} is not a PEM certificate: ${(error as Error).message}`);
  }
  const requestCert = ca !== undefined;
  const rejectUnauthorized = requestCert && files.requireClientCert !== false;
  return {
    cert,
    key,
    passphrase: files.passphrase,
    ca,
    requestCert,
    rejectUnauthorized,
    summary: { subject: parsed.subject.replace(/\n/g, ", "), validTo: parsed.validTo, clientCerts: !requestCert ? "off" : rejectUnauthorized ? "required" : "optional" },
  };
}

/** The principal name a client certificate stands for: its subject's CN, else the whole subject. */
export function certificatePrincipal(subject: Record<string, string | string[]> | undefined): string | undefined {
  if (!subject) return undefined;
  const cn = subject.CN;
  if (typeof cn === "string" && cn) return cn;
  if (Array.isArray(cn) && cn[0]) return cn[0];
  const parts = Object.entries(subject).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`);
  return parts.length ? parts.join(",") : undefined;
}
