// Runs kcat (librdkafka's CLI) as a benchmark step: wall time, bytes it printed, and its exit.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

export function runKcat(args: string[], input: Buffer | null): Promise<{ seconds: number; stdoutBytes: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn("kcat", args, { stdio: [input ? "pipe" : "ignore", "pipe", "pipe"] });
    let stdoutBytes = 0;
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdoutBytes += d.length));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ seconds: (performance.now() - start) / 1000, stdoutBytes, code, stderr }));
    if (input) child.stdin!.end(input);
  });
}
