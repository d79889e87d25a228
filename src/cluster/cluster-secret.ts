// The cluster secret the replication port's handshake proves (replica-auth.ts): 32 random bytes, base64,
// at <prefix>/replication_secret. The first broker to join creates it (a create-if-absent transaction, so
// brokers starting together agree on one) and every broker reads it when it joins. Nothing to configure:
// whoever can write etcd is already trusted with the whole cluster. Never logged.

import { randomBytes } from "node:crypto";
import type { Etcd3 } from "etcd3";
import type { Keys } from "./layout.js";

export const SECRET_BYTES = 32;

export async function loadClusterSecret(client: Etcd3, keys: Keys): Promise<Buffer> {
  const key = keys.replicationSecret();
  const candidate = randomBytes(SECRET_BYTES).toString("base64");
  await client.if(key, "Create", "==", 0).then(client.put(key).value(candidate)).commit();
  // Ours, or the one another broker created first.
  const stored = await client.get(key).string();
  const secret = stored === null ? undefined : Buffer.from(stored, "base64");
  if (!secret || secret.length < 16) throw new Error(`${key} in etcd is not a base64 secret of at least 16 bytes`);
  return secret;
}
