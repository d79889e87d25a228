// A progress line on stderr, redrawn in place on a terminal and printed once a second otherwise. Nothing
// appears during the first second, so short runs stay quiet.

export class Progress {
  private timer: ReturnType<typeof setInterval> | undefined;
  private shown = false;
  private readonly tty: boolean;

  constructor(
    private readonly render: () => string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = 1000,
  ) {
    this.tty = stream.isTTY === true;
  }

  start(): this {
    this.timer ??= setInterval(() => this.print(), this.everyMs);
    this.timer.unref();
    return this;
  }

  private print(): void {
    this.shown = true;
    this.stream.write(this.tty ? `\r\x1b[K${this.render()}` : `${this.render()}\n`);
  }

  /** Stops; if anything was shown, prints the final state (so the last line is accurate). */
  stop(final = true): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown && final) this.print();
    if (this.shown && this.tty) this.stream.write("\n");
    this.shown = false;
  }
}
