// `rivulet cluster reassign --generate` (src/cli/cluster-reassign.ts): a balanced plan for moving topics onto
// a set of brokers, in the JSON of Kafka's kafka-reassign-partitions (`--generate` prints the current
// assignment, to keep for a rollback, and the proposed one, to pass back with --file).
//
// Balance: the partitions of every named topic, taken in order (topics by name, then partition), get
// consecutive brokers of the sorted list, the first the preferred leader, the start moving one broker per
// partition; so leaders and replicas spread evenly over the brokers (counts differ by at most one), and
// each partition keeps its replication factor. As Kafka's --generate, the plan does not try to keep
// replicas where they are; a partition whose proposed replicas equal its current ones does not move.

import type { TopicAssignment } from "./layout.js";

export interface PlanPartition {
  topic: string;
  partition: number;
  replicas: number[];
  log_dirs: string[];
}

export interface ReassignmentPlan {
  version: 1;
  partitions: PlanPartition[];
}

/** The current and the proposed assignment of `topics` over `brokers`; throws (a message for the user) when impossible. */
export function generatePlan(topics: readonly TopicAssignment[], brokers: readonly number[]): { current: ReassignmentPlan; proposed: ReassignmentPlan } {
  const ids = [...new Set(brokers)].sort((a, b) => a - b);
  if (!ids.length) throw new Error("give at least one broker id");
  const entry = (topic: string, partition: number, replicas: number[]): PlanPartition => ({ topic, partition, replicas, log_dirs: replicas.map(() => "any") });
  const current: PlanPartition[] = [];
  const proposed: PlanPartition[] = [];
  let next = 0;
  for (const topic of [...topics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    for (let p = 0; p < topic.partitions; p++) {
      const replicas = topic.replicas[p] ?? [];
      const rf = replicas.length || topic.replicationFactor;
      if (rf > ids.length) throw new Error(`${topic.name}-${p} has ${rf} replicas, more than the ${ids.length} broker(s) given`);
      current.push(entry(topic.name, p, [...replicas]));
      proposed.push(entry(topic.name, p, Array.from({ length: rf }, (_, j) => ids[(next + j) % ids.length]!)));
      next++;
    }
  }
  return { current: { version: 1, partitions: current }, proposed: { version: 1, partitions: proposed } };
}
