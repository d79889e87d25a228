// What `rivulet produce` prints around an outage (src/cli/outage-notes.ts): one "retrying" line per outage and
// one "back" line, never "back" because of an answer that was on its way before the outage began.
import { describe, expect, it } from "vitest";
import { OutageNotes } from "../../src/cli/outage-notes.js";

function notes() {
  const lines: string[] = [];
  const outage = new OutageNotes({ url: "ws://b:1/ws", timeoutMs: 120_000, note: (line) => lines.push(line) });
  return { lines, outage };
}
const refused = Object.assign(new Error("broker is shutting down"), { code: "BROKER_UNAVAILABLE" });
const lost = Object.assign(new Error("connection closed"), { code: "NETWORK_EXCEPTION" });

describe("rivulet produce's outage notes", () => {
  it("a shutdown refusal, an older line's late answer, then the disconnect: one outage, one 'retrying' line", () => {
    const { lines, outage } = notes();
    outage.retrying(refused, 40); // lines 1..40 were handed over when the closing broker refused a batch
    outage.acknowledged(37); // another shard's answer for a line sent before the refusal
    outage.retrying(lost, 40); // then the socket closes
    outage.reconnected();
    expect(lines).toEqual([
      "the broker at ws://b:1/ws cannot take records now (broker is shutting down); retrying for up to 120 s (--timeout)",
      "the broker at ws://b:1/ws is back; resuming",
    ]);
  });

  it("a line sent after the outage began and acknowledged ends it (a refusal without a disconnect)", () => {
    const { lines, outage } = notes();
    outage.retrying(refused, 10);
    outage.acknowledged(10);
    expect(lines).toHaveLength(1);
    outage.acknowledged(11);
    expect(lines.at(-1)).toBe("the broker at ws://b:1/ws is back; resuming");
    outage.acknowledged(12);
    outage.reconnected();
    expect(lines).toHaveLength(2);
  });

  it("a lost connection says so; a second outage after recovery gets its own pair of lines", () => {
    const { lines, outage } = notes();
    outage.retrying(lost, 0);
    outage.reconnected();
    outage.retrying(lost, 5);
    outage.reconnected();
    const lostLine = "lost the broker at ws://b:1/ws (connection closed); retrying for up to 120 s (--timeout)";
    const back = "the broker at ws://b:1/ws is back; resuming";
    expect(lines).toEqual([lostLine, back, lostLine, back]);
  });
});
