// The connection's status events (disconnected, reconnecting, reconnected, closed) and who listens to them.
// A listener that throws is its own problem: the connection, and the other listeners, carry on.

import type { ConnectionEvents, Listeners } from "./connection-types.js";

export class StatusEvents {
  private readonly listeners: Listeners = { disconnected: new Set(), reconnecting: new Set(), reconnected: new Set(), closed: new Set() };

  /** Listens to a status event; returns the function that stops listening. */
  on<E extends keyof ConnectionEvents>(event: E, listener: (event: ConnectionEvents[E]) => void): () => void {
    const set = this.listeners[event] as Set<(event: ConnectionEvents[E]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<E extends keyof ConnectionEvents>(event: E, payload: ConnectionEvents[E]): void {
    for (const listener of [...(this.listeners[event] as Set<(event: ConnectionEvents[E]) => void>)]) {
      try {
        listener(payload);
      } catch {
        // A listener's failure is its own; the connection carries on.
      }
    }
  }
}
