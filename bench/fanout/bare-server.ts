// The floor under bench/fanout.bench.ts: a bare uWebSockets.js server (the same native build and socket
// options as Rivulet's WebSocket front end, no broker) that answers any message with a SUBSCRIBED-typed
// frame and, on command, sends one CHUNK-typed frame of the size of a one-record chunk to every connected
// socket: `loop` calls ws.send() per socket from JavaScript (what any per-subscriber design costs at
// least), `publish` hands the frame to uWS once (app.publish to a topic every socket joined; the loop over
// sockets runs in C++). Started with fork(); argv[2]: "loop" | "publish".
//   -> {port}          listening
//   <- {broadcast: r}  -> {sent: r, ms}   the time the send loop (or publish call) took in this process
import type { WebSocket } from "uWebSockets.js";
import type * as UwsModule from "../../src/frontends/uws.js";
import { loadDist } from "../ws/common.js";

const { loadNativeUws } = await loadDist<typeof UwsModule>("dist/frontends/uws.js");
const uws = loadNativeUws();
const mode = process.argv[2] === "publish" ? "publish" : "loop";
const sockets = new Set<WebSocket<unknown>>();
const app = uws.App();
app.ws("/ws", {
  compression: uws.DISABLED,
  maxBackpressure: 256 * 1024 * 1024,
  closeOnBackpressureLimit: 0,
  idleTimeout: 0,
  sendPingsAutomatically: false,
  open(ws) {
    ws.subscribe("rivulet/buffered-send"); // as the front end does (its workaround for large sends)
    if (mode === "publish") ws.subscribe("fanout");
    sockets.add(ws);
  },
  message(ws, message) {
    const reply = new Uint8Array(5);
    reply[0] = 0xa0; // SUBSCRIBED
    reply.set(new Uint8Array(message, 1, 4), 1);
    ws.send(reply, true);
  },
  close(ws) {
    sockets.delete(ws);
  },
});
// A CHUNK frame of one 100-byte record is ~190 bytes (header, offsets, a 161-byte batch).
const frame = new Uint8Array(190);
frame[0] = 0xa1;
app.listen("127.0.0.1", 0, (listen) => {
  if (!listen) throw new Error("bare server: listen failed");
  process.send!({ port: uws.us_socket_local_port(listen) });
});
process.on("message", (m: { broadcast?: number; exit?: boolean }) => {
  if (m.exit) process.exit(0);
  if (m.broadcast === undefined) return;
  const start = performance.now();
  if (mode === "publish") app.publish("fanout", frame, true);
  else for (const ws of sockets) ws.send(frame, true);
  process.send!({ sent: m.broadcast, ms: performance.now() - start });
});
