// A second test host on this machine: a network namespace joined to the main one by a veth pair, with
// documentation-range (TEST-NET-1) addresses, so a client in it reaches the broker from a non-loopback
// address. Needs root and iproute2; `available` says whether it can be made here (tests skip otherwise).
import { execFileSync, spawnSync } from "node:child_process";

export const HOST_ADDRESS = "192.0.2.1";
export const PEER_ADDRESS = "192.0.2.2";

export const netnsAvailable = (() => {
  if (process.getuid?.() !== 0) return false;
  return spawnSync("ip", ["netns", "list"], { stdio: "ignore" }).status === 0;
})();

export interface TestHost {
  readonly name: string;
  /** Runs a command inside the namespace; returns its exit status and output. */
  run(command: string, args: string[], timeoutMs?: number): { status: number | null; stdout: string; stderr: string };
  /**
   * Whether a TCP connection from the namespace to HOST_ADDRESS:port completes (the kernel finishes the
   * handshake from the listen backlog, so the caller's event loop may be blocked meanwhile). Some sandboxes
   * create namespaces and veth pairs but forward nothing between them: tests skip there, saying so.
   */
  reachesHost(port: number): boolean;
  remove(): void;
}

export function createTestHost(): TestHost {
  const id = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
  const name = `rvt${id}`;
  const hostSide = `rvh${id}`;
  const peerSide = `rvn${id}`;
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
  ip("netns", "add", name);
  try {
    ip("link", "add", hostSide, "type", "veth", "peer", "name", peerSide);
    ip("link", "set", peerSide, "netns", name);
    ip("addr", "add", `${HOST_ADDRESS}/24`, "dev", hostSide);
    ip("link", "set", hostSide, "up");
    ip("netns", "exec", name, "ip", "addr", "add", `${PEER_ADDRESS}/24`, "dev", peerSide);
    ip("netns", "exec", name, "ip", "link", "set", peerSide, "up");
    ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
  } catch (error) {
    spawnSync("ip", ["netns", "del", name]);
    throw error;
  }
  return {
    name,
    run(command, args, timeoutMs = 15_000) {
      const r = spawnSync("ip", ["netns", "exec", name, command, ...args], { encoding: "utf8", timeout: timeoutMs });
      return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    },
    reachesHost(port) {
      const script = `const s=require("net").connect(${port},"${HOST_ADDRESS}",()=>process.exit(0));s.on("error",()=>process.exit(1));setTimeout(()=>process.exit(2),2000)`;
      return this.run(process.execPath, ["-e", script], 5000).status === 0;
    },
    remove() {
      // Deleting the namespace deletes the veth pair with it.
      spawnSync("ip", ["netns", "del", name]);
    },
  };
}
