// The producer's pool of idle batch buffers: last given, first taken, and never more than its budget.
import { describe, expect, it } from "vitest";
import { SpareBuffers } from "../../../src/client/producer/spare-buffers.js";

describe("SpareBuffers", () => {
  it("hands back the buffer given last, and counts what it holds", () => {
    const pool = new SpareBuffers(100);
    const a = new Uint8Array(30);
    const b = new Uint8Array(40);
    pool.give(a);
    pool.give(b);
    expect(pool.heldBytes).toBe(70);
    expect(pool.take()).toBe(b);
    expect(pool.take()).toBe(a);
    expect(pool.take()).toBeUndefined();
    expect(pool.heldBytes).toBe(0);
  });

  it("keeps nothing past its budget", () => {
    const pool = new SpareBuffers(100);
    for (let i = 0; i < 10; i++) pool.give(new Uint8Array(30));
    expect(pool.heldBytes).toBe(90);
    pool.give(new Uint8Array(20));
    expect(pool.heldBytes).toBe(90);
    pool.give(new Uint8Array(10));
    expect(pool.heldBytes).toBe(100);
  });
});
