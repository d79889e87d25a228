// Run inside a test namespace: tries the broker's HTTP, WebSocket and Kafka ports from a non-loopback
// address and prints one JSON line of what each answered.
import { connect } from "node:net";
import WebSocket from "ws";

const [host, httpPort, kafkaPort] = process.argv.slice(2);
const result = {};

const http = await fetch(`http://${host}:${httpPort}/healthz`).then(
  async (r) => ({ status: r.status, body: (await r.text()).slice(0, 80) }),
  (e) => ({ error: String(e.cause?.code ?? e.message) }),
);
result.http = http;

result.ws = await new Promise((resolve) => {
  const ws = new WebSocket(`ws://${host}:${httpPort}/ws`);
  ws.on("open", () => {
    ws.close();
    resolve({ opened: true });
  });
  ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode }));
  ws.on("error", (e) => resolve({ error: e.message }));
});

// An ApiVersions v0 request: a response means the broker served us, a close without one means refused.
result.kafka = await new Promise((resolve) => {
  const socket = connect(Number(kafkaPort), host);
  const request = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]);
  let received = 0;
  socket.on("connect", () => socket.write(request));
  socket.on("data", (d) => (received += d.length));
  socket.on("close", () => resolve({ answered: received > 0 }));
  socket.on("error", (e) => resolve({ error: e.code ?? e.message, answered: received > 0 }));
  setTimeout(() => {
    socket.destroy();
    resolve({ answered: received > 0, timeout: true });
  }, 3000);
});
console.log(JSON.stringify(result));
