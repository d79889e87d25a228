// Buffered writes to stdout that respect its backpressure: parts are gathered and written as one chunk;
// flush() waits for 'drain' when the stream is full. A closed pipe (`| head`) ends the process quietly
// through the EPIPE handler main.ts installs.

import { once } from "node:events";

export class Output {
  private parts: Uint8Array[] = [];
  private size = 0;
  private scheduled = false;

  constructor(private readonly stream: NodeJS.WritableStream = process.stdout, private readonly highWater = 64 * 1024) {}

  push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  text(text: string): void {
    this.push(Buffer.from(text));
  }

  /** True once enough is buffered that the caller should await flush(). */
  get full(): boolean {
    return this.size >= this.highWater;
  }

  /** Flushes once the current burst of synchronous work is over (when the process would wait for I/O). */
  flushSoon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.write();
    });
  }

  private write(): boolean {
    if (this.size === 0) return true;
    const chunk = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return this.stream.write(chunk);
  }

  /** Writes what is buffered and waits while the stream is over its high-water mark. */
  async flush(): Promise<void> {
    if (!this.write()) await once(this.stream, "drain");
  }

  /** Writes everything and waits until the stream has handed it to the OS. */
  async end(): Promise<void> {
    this.write();
    await new Promise<void>((resolve) => this.stream.write("", () => resolve()));
  }
}
