// Which HTTP/WebSocket transport in-process test servers use: RIVULET_TRANSPORT (the variable `rivulet serve`
// reads too, so CLI children follow it) = uws | node; unset or auto: uws where it loads. CI runs the WebSocket
// suites once per transport (.ci/run).
import type { WsTransport } from "../../src/frontends/ws/server-options.js";

export function testTransport(): WsTransport | undefined {
  const value = process.env.RIVULET_TRANSPORT;
  if (value === undefined || value === "" || value === "auto") return undefined;
  if (value !== "uws" && value !== "node") throw new Error(`RIVULET_TRANSPORT must be uws, node or auto, not ${value}`);
  return value;
}
