import type { TransactionalWriteCheck } from "../broker/broker-types.js";
import type { Result } from "../broker/router.js";
import type { OffsetLogBroker } from "../groups/broker-offset-log.js";
import type { MarkerItem, MarkerOk } from "../shard/protocol.js";

/** The slice of the Broker the transaction coordinator uses. */
export interface TransactionBroker extends OffsetLogBroker {
  initProducerId(): { producerId: bigint; producerEpoch: number };
  writeMarkers(items: MarkerItem[]): Promise<Result<MarkerOk>[]>;
  setTransactionalWriteCheck(check: TransactionalWriteCheck | undefined): void;
}
