// A WebSocket library consumer in its own process, for the restart suite (its RSS is measured alone).
// Runs the built client (dist/: `npm run build:ts` first).
//   argv[2]  JSON { url, topic, from?, partitions?, group?, windowBytes?, maxChunkBytes?, reconnect? }
// stdout: one line per record, "<partition> <offset> <value>"; stderr: one line per status event.
// Exits 1 with the error's code and message when the consumer throws (a deadline passed, ...).
import { connect } from "../../dist/client/index.js";

const o = JSON.parse(process.argv[2]);
const client = await connect({ url: o.url, requestTimeoutMs: o.requestTimeoutMs, reconnect: o.reconnect ?? { initialDelayMs: 50, maxDelayMs: 1000 } });
for (const event of ["disconnected", "reconnecting", "reconnected", "closed"]) {
  client.on(event, (e) => process.stderr.write(`${event} ${e.attempt ?? ""} ${e.error?.code ?? ""}\n`));
}
const options = { topic: o.topic, from: o.from ?? "latest", windowBytes: o.windowBytes, maxChunkBytes: o.maxChunkBytes };
if (o.partitions) options.partitions = o.partitions;
if (o.group) options.group = o.group;
const consumer = client.consumer(options);
await consumer.start();
process.stderr.write("started\n");
let out = "";
let flushing = false;
const flush = () => {
  flushing = false;
  const chunk = out;
  out = "";
  if (chunk) process.stdout.write(chunk);
};
try {
  for await (const r of consumer) {
    out += `${r.partition} ${r.offset} ${new TextDecoder().decode(r.value)}\n`;
    if (out.length > 65536) flush();
    else if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  }
} catch (error) {
  flush();
  process.stderr.write(`error ${error.code ?? ""} ${error.message}\n`);
  process.exit(1);
}
