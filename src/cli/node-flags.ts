// The node options a broker process should run with. `npm start` passes them; `rivulet serve` started any
// other way says at start-up when they are missing (missingBrokerNodeFlags), and a program that embeds the
// broker passes them to node itself. V8 reads heap settings only when the process starts: node refuses them
// in NODE_OPTIONS, setting them later changes nothing, and the command's first line cannot carry them
// portably (`env -S` is not in BusyBox, so not on Alpine).
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

/** The broker options this process was started without (node's own command line), in BROKER_NODE_FLAGS' order. */
export function missingBrokerNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return BROKER_NODE_FLAGS.filter((flag) => {
    const name = flag.split("=")[0]!;
    return !execArgv.some((arg) => arg === name || arg.startsWith(`${name}=`));
  });
}
