// Why a broker URL did not connect, in one line: the WebSocket client only sees "closed (1006)", so the
// CLI asks the same host and path over plain HTTP(S) and names what it finds (nothing listening, a 404
// because the path is wrong, a 403 from protected mode or an Origin rule, TLS on one side only).

export async function diagnoseBrokerUrl(url: string, timeoutMs = 3000): Promise<string> {
  const target = new URL(url);
  const http = `${target.protocol === "wss:" ? "https:" : "http:"}//${target.host}${target.pathname}`;
  let response: Response;
  try {
    response = await fetch(http, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    if (code === "ECONNREFUSED") return `nothing is listening at ${target.host} (is 'rivulet serve' running? set --broker or RIVULET_BROKER)`;
    if (code === "TimeoutError") {
      const hint = target.protocol === "wss:" ? ": a wss:// URL to a broker without TLS looks like this (try ws://)" : "";
      return `${target.host} did not answer within ${timeoutMs} ms${hint}`;
    }
    if (/CERT|SSL|TLS|EPROTO/i.test(String(code))) return `TLS failed at ${target.host} (${code}): check wss:// versus ws:// and the broker's certificate`;
    return `cannot reach ${target.host} (${code})`;
  }
  const body = (await response.text().catch(() => "")).trim().split("\n")[0]?.slice(0, 200) ?? "";
  if (response.status === 404) return `${target.host} answered 404 for ${target.pathname}: Rivulet serves its WebSocket at /ws (e.g. ${target.protocol}//${target.host}/ws)`;
  if (response.status === 403) return `${target.host} refused the connection (403): ${body || "forbidden"}`;
  return `${target.host} answered HTTP ${response.status} for ${target.pathname} but no WebSocket was opened${body ? `: ${body}` : ""}`;
}
