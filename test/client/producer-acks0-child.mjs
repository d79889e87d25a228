// A client process for producer-backpressure.test.ts: produces `totalBytes` with acks 0 as fast as the
// producer accepts, sampling its own resident set size, and prints one JSON line at the end:
//   {"records":N,"bytes":B,"seconds":S,"maxRssBytes":R,"rssAtStartBytes":R0}
// argv: url topic totalBytes valueBytes [socketBufferBytes]  (runs dist/: `npm run build:ts` first)
import { connect } from "../../dist/client/index.js";

const [url, topic, totalText, valueText, socketText] = process.argv.slice(2);
const total = Number(totalText);
const valueBytes = Number(valueText);
const socketBufferBytes = socketText === undefined ? undefined : Number(socketText);

const rssAtStart = process.memoryUsage.rss();
let maxRss = rssAtStart;
const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage.rss())), 20);
const client = await connect({ url, reconnect: false });
const producer = client.producer({ acks: 0, socketBufferBytes });
const value = new Uint8Array(valueBytes).fill(0x61);
const records = Math.ceil(total / valueBytes);
const started = performance.now();
let failed;
for (let i = 0; i < records && !failed; i++) {
  if (producer.congested) await producer.drained();
  producer.send({ topic, value }).catch((error) => (failed ??= error));
  if ((i & 15) === 15) await new Promise((resolve) => setImmediate(resolve));
}
await producer.flush();
const seconds = (performance.now() - started) / 1000;
// What is still in the socket has to leave before we close it.
while (client.connection.bufferedAmount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
clearInterval(sampler);
maxRss = Math.max(maxRss, process.memoryUsage.rss());
client.close();
if (failed) {
  console.error(String(failed));
  process.exit(1);
}
console.log(JSON.stringify({ records, bytes: records * valueBytes, seconds, maxRssBytes: maxRss, rssAtStartBytes: rssAtStart }));
