// Retrying what the connection itself failed (the socket dropped mid-request, a deadline passed while the
// broker was away) with capped backoff; what the broker answered (an unknown topic, an authorization
// failure) is the caller's to hear at once.

import { ConnectionError, TimeoutError } from "./errors.js";

export async function retryConnectionFailures<T>(attempt: () => Promise<T>, givenUp: () => boolean): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const transient = error instanceof ConnectionError || error instanceof TimeoutError;
      if (givenUp() || !transient) throw error;
      // A drop rejects the request at once: wait a little (the connection reconnects meanwhile; the next
      // request waits for it within its own deadline).
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** n, 2000)));
    }
  }
}
