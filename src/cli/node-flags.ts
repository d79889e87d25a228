// The node options a broker process runs with. They are on the `rivulet` command's first line and in
// `npm start`; a program that embeds the broker (createBroker, serve) passes them to node itself: V8 reads
// heap settings only when the process starts (they are refused in NODE_OPTIONS, and setting them later
// changes nothing).
//
// --initial-old-space-size=64: a broker's JavaScript heap is small (~10 MB live) while hundreds of MB a
// second of record buffers pass through it off the heap. With V8's default starting size the main thread
// ran a full collection every 100-200 ms while streaming from the start, each one marking the whole small
// heap again on V8's helper threads for ~0.5 MB freed: a third of the broker's CPU. Starting the old
// generation at 64 MB removed them (none in 4 M records) and the broker read 1.3-1.6x as many records per
// CPU-second (docs/benchmarks.md, "The heap's starting size"). The cost is memory: up to ~64 MB of garbage
// may wait for its first full collection, per isolate that makes it (the main thread; the shard threads
// make little).
export const BROKER_NODE_FLAGS: readonly string[] = ["--initial-old-space-size=64"];
