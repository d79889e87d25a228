// Why a broker URL did not connect, in one line: the WebSocket client only sees "closed (1006)", so the
// CLI asks the same host and path over plain HTTP(S) and names what it finds (nothing listening, a 404
// because the path is wrong, a 403 from protected mode or an Origin rule, TLS on one side only).

import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";

interface Answer {
  status: number;
  body: string;
}

/** GET over node:http(s) (fetch refuses some ports, such as 1, before trying them). */
function get(url: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith("https:") ? httpsGet : httpGet)(url, { timeout: timeoutMs, rejectUnauthorized: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body = (body + chunk).slice(0, 1000)));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error("timed out"), { code: "TIMEOUT" })));
    request.on("error", reject);
  });
}

export async function diagnoseBrokerUrl(url: string, timeoutMs = 3000): Promise<string> {
  const target = new URL(url);
  const http = `${target.protocol === "wss:" ? "https:" : "http:"}//${target.host}${target.pathname}`;
  let response: Answer;
  try {
    response = await get(http, timeoutMs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    if (code === "ECONNREFUSED") return `nothing is listening at ${target.host} (is 'rivulet serve' running? set --broker or RIVULET_BROKER)`;
    if (code === "TIMEOUT") {
      const hint = target.protocol === "wss:" ? ": a wss:// URL to a broker without TLS looks like this (try ws://)" : "";
      return `${target.host} did not answer within ${timeoutMs} ms${hint}`;
    }
    if (/CERT|SSL|TLS|EPROTO/i.test(String(code))) return `TLS failed at ${target.host} (${code}): check wss:// versus ws:// and the broker's certificate`;
    return `cannot reach ${target.host} (${code})`;
  }
  const body = response.body.trim().split("\n")[0]?.slice(0, 200) ?? "";
  if (response.status === 404) return `${target.host} answered 404 for ${target.pathname}: Rivulet serves its WebSocket at /ws (e.g. ${target.protocol}//${target.host}/ws)`;
  if (response.status === 426) return `${target.host}${target.pathname} is Rivulet's WebSocket endpoint, but the WebSocket closed before the broker welcomed it (a proxy in between, or the broker shutting down?)`;
  if (response.status === 403) return `${target.host} refused the connection (403): ${body || "forbidden"}`;
  return `${target.host} answered HTTP ${response.status} for ${target.pathname} but no WebSocket was opened${body ? `: ${body}` : ""}`;
}
