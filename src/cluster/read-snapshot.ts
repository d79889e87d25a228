// The cluster state as etcd holds it now: one range read of the whole prefix (linearizable, etcd's default),
// parsed. For whoever must not go by a copy that follows the watch and may lag it (a request answered right
// after a change made through another broker, start-up checks, the CLI's admin and status commands).

import type { Etcd3 } from "etcd3";
import { parseSnapshot, type ClusterSnapshot, type Keys } from "./layout.js";

export async function readSnapshot(client: Etcd3, keys: Keys): Promise<ClusterSnapshot> {
  return parseSnapshot(keys, await client.getAll().prefix(keys.prefix + "/").strings());
}
