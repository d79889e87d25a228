// Topics a broker had before it first joined a cluster (it ran as one node on the same data dir). On the
// first join they are registered in etcd with this broker as the leader of every partition (it holds the
// data; the other replicas copy it from there) and their local topic id, so nothing is lost or truncated.
// A local topic whose name the cluster already uses for another topic is refused with a clear error: the
// two logs cannot be merged, and following the cluster's leader would truncate the local one.
// "First join" means the data dir has no `__cluster/` directory yet (written at the first join; it also
// holds the leader-epoch caches). Later starts leave local topics alone: one missing from etcd then was
// deleted while the broker was down, and must not come back.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Broker } from "../broker/broker.js";
import { isInternalTopic } from "../broker/topic-name.js";
import { InvalidArgumentError } from "../errors/index.js";
import type { Logger } from "../log.js";
import type { EtcdSession } from "./etcd-session.js";
import type { CreateRequest } from "./layout.js";
import { readSnapshot } from "./read-snapshot.js";

/** Whether this data dir has never been part of a cluster (checked before the session starts). */
export function isFirstJoin(dataDir: string): boolean {
  return !existsSync(join(dataDir, "__cluster"));
}

/**
 * Refuses a first join that would clash: a local topic whose name the cluster uses for another topic.
 * Called before the session starts, so a refused broker writes nothing (it stays a first join).
 */
export async function checkLocalTopics(broker: Broker, session: EtcdSession): Promise<void> {
  const snap = await readSnapshot(session.client, session.keys);
  const clashes = broker.listTopics().filter((t) => !isInternalTopic(t.name) && snap.topics.has(t.name) && snap.topics.get(t.name)!.id !== t.id);
  if (clashes.length) {
    const names = clashes.map((t) => t.name).join(", ");
    throw new InvalidArgumentError(
      `cannot join the cluster: topic(s) ${names} exist in this broker's data dir (from before it joined) and, as different topics, in the cluster. ` +
        `Delete or rename one copy (e.g. \`rivulet topics delete <name> --data-dir ${broker.config.dataDir}\` with this broker stopped), then start again`,
    );
  }
}

/** Registers the local topics the cluster does not have, led by this broker, and marks the data dir joined. */
export async function adoptLocalTopics(broker: Broker, session: EtcdSession, brokerId: number, logger: Logger): Promise<void> {
  for (const t of broker.listTopics()) {
    if (isInternalTopic(t.name) || session.snapshot.topics.has(t.name) || session.snapshot.createRequests.has(t.name)) continue;
    const request: CreateRequest = { partitions: t.partitions, configs: t.configs ?? {}, leader: brokerId, id: t.id };
    await session.request(session.keys.createRequest(t.name), request);
    logger.info("registering a topic from before the cluster join (this broker leads it)", { topic: t.name, partitions: t.partitions });
  }
  const dir = join(broker.config.dataDir, "__cluster");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "joined.json"), JSON.stringify({ brokerId, joinedAt: new Date().toISOString() }) + "\n");
}
