// What `rivulet produce` tells its user about an outage: one line when records stop going through (a lost
// connection, or a broker that refuses records for now), and one line when they go through again. Never a
// second "retrying" line for the same outage, and never "back" on an answer that was already on its way.

import { formatNumber } from "./table.js";

export interface OutageNotesOptions {
  url: string;
  timeoutMs: number;
  /** Writes one line (the command prefixes "rivulet: "). */
  note: (line: string) => void;
}

export class OutageNotes {
  /** Lines numbered up to `after` were sent before the outage began. */
  private outage: { after: number } | undefined;

  constructor(private readonly options: OutageNotesOptions) {}

  /**
   * A send is being retried, or the connection dropped; `sent`: how many lines had been handed to the
   * producer by then. Only the first of an outage is reported.
   */
  retrying(error: Error & { code?: string }, sent: number): void {
    if (this.outage) return;
    this.outage = { after: sent };
    const { url, timeoutMs } = this.options;
    const what = error.code === "NETWORK_EXCEPTION" ? `lost the broker at ${url}` : `the broker at ${url} cannot take records now`;
    this.options.note(`${what} (${error.message}); retrying for up to ${formatNumber(timeoutMs / 1000)} s (--timeout)`);
  }

  /** The connection is up again. */
  reconnected(): void {
    this.end();
  }

  /**
   * Line `line` was acknowledged. That ends the outage only for a line sent after it began: an earlier line's
   * answer may have been on its way already (another shard's, sent before a refusal), which says nothing of
   * the broker now.
   */
  acknowledged(line: number): void {
    if (this.outage && line > this.outage.after) this.end();
  }

  private end(): void {
    if (!this.outage) return;
    this.outage = undefined;
    this.options.note(`the broker at ${this.options.url} is back; resuming`);
  }
}
