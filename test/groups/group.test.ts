import { describe, expect, it } from "vitest";
import { ClassicGroup } from "../../src/groups/group.js";
import { ClassicMember } from "../../src/groups/member.js";

const member = (id: string, ...protocols: string[]) =>
  new ClassicMember(id, null, "c", "h", 1000, 1000, "consumer", protocols.map((name) => ({ name, metadata: new Uint8Array([1]) })));

describe("ClassicGroup bookkeeping", () => {
  it("allows exactly Kafka's transitions", () => {
    const g = new ClassicGroup("g", 0);
    expect(() => g.transitionTo("Stable", 1)).toThrow(/Empty → Stable/);
    expect(() => g.transitionTo("CompletingRebalance", 1)).toThrow();
    g.transitionTo("PreparingRebalance", 1);
    expect(() => g.transitionTo("Stable", 2)).toThrow();
    g.transitionTo("CompletingRebalance", 2);
    expect(() => g.transitionTo("Empty", 3)).toThrow();
    g.transitionTo("Stable", 3);
    expect(g.canRebalance).toBe(true);
    g.transitionTo("PreparingRebalance", 4);
    g.transitionTo("Empty", 5);
    g.transitionTo("Dead", 6);
    expect(g.canRebalance).toBe(false);
    expect(g.previousState).toBe("Empty");
  });

  it("tracks protocol support and leadership as members come and go", () => {
    const g = new ClassicGroup("g", 0);
    expect(g.supportsProtocols("consumer", [])).toBe(false); // an empty group still needs protocols
    g.add(member("a", "range", "roundrobin"));
    g.transitionTo("PreparingRebalance", 1);
    g.add(member("b", "roundrobin"));
    expect(g.leaderId).toBe("a");
    expect(g.supportsProtocols("consumer", [{ name: "range", metadata: new Uint8Array() }])).toBe(false);
    expect(g.supportsProtocols("consumer", [{ name: "roundrobin", metadata: new Uint8Array() }])).toBe(true);
    expect(g.supportsProtocols("connect", [{ name: "roundrobin", metadata: new Uint8Array() }])).toBe(false);
    expect(g.selectProtocol()).toBe("roundrobin");
    g.remove("a");
    expect(g.leaderId).toBe("b");
    expect(g.supportsProtocols("consumer", [{ name: "range", metadata: new Uint8Array() }])).toBe(false);
    g.remove("b");
    expect(g.leaderId).toBeNull();
  });
});
