// Cluster mode: which partitions the id's coordinator on another broker confirmed for a producer's current
// transaction, so a partition leader asks only about a transaction's first batch per partition (as Kafka
// verifies only when the partition has no ongoing transaction of that producer), not about every Produce.
// An entry holds until a marker of that producer is written to the partition here (the transaction ended,
// or was aborted by a timeout or a fencing InitProducerId: each writes markers) or this broker's role for
// the partition changes (markers written while another broker led it were never seen here). A check in
// flight when any entry is dropped does not record its answer (the generation moved), so an answer cannot
// outlive the marker that ended its transaction.

export class VerifiedPartitions {
  private readonly entries = new Map<string, Map<bigint, number>>();
  private generation = 0;

  /** True when every partition is confirmed for this producer id and epoch. */
  all(items: readonly { topic: string; partition: number }[], producerId: bigint, producerEpoch: number): boolean {
    return items.every((i) => this.entries.get(key(i.topic, i.partition))?.get(producerId) === producerEpoch);
  }

  /** The generation to hand back to record() once the coordinator answered. */
  get current(): number {
    return this.generation;
  }

  record(generation: number, topic: string, partition: number, producerId: bigint, producerEpoch: number): void {
    if (generation !== this.generation) return;
    const k = key(topic, partition);
    let producers = this.entries.get(k);
    if (!producers) this.entries.set(k, (producers = new Map()));
    producers.set(producerId, producerEpoch);
  }

  /** A marker of `producerId` is being written to the partition (every producer when undefined: a role change). */
  forget(topic: string, partition: number, producerId?: bigint): void {
    this.generation++;
    const k = key(topic, partition);
    if (producerId === undefined) this.entries.delete(k);
    else {
      const producers = this.entries.get(k);
      producers?.delete(producerId);
      if (producers?.size === 0) this.entries.delete(k);
    }
  }
}

const key = (topic: string, partition: number) => `${topic}\0${partition}`;
