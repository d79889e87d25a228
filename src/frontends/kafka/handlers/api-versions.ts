// ApiVersions (key 18).
//
// Behavior:
// - The ranges come from the codec registry (src/protocol/kafka/registry.ts), so what we advertise is what
//   we decode. Produce is advertised from v0 but handled from v3 (librdkafka's compression gate).
// - A version newer than ours (v4+ from newer Java clients or franz-go) gets UNSUPPORTED_VERSION with our
//   ranges, written in the v0 format (the codec picks the format), never a closed connection: librdkafka
//   drops to v0 on it, and a closed connection during ApiVersions makes it fall back to ancient versions.
// - v3+ carries the features (tagged fields): transaction.version supported 0-2 and finalized at level 2
//   (transactions v2, KIP-890 part 2: EndTxn v5 bumps the epoch, Produce v12+ and TxnOffsetCommit v5 add
//   to the transaction implicitly). A client that reads it (the Java client from 4.0) uses transactions
//   v2; clients that ignore features keep using v1, which stays supported (docs/transactions.md).
//   The finalized epoch is a constant: one node's features never change while it runs. In cluster mode the
//   implicit add is forwarded to the id's coordinator (src/cluster/txn-routing.ts), so v2 is finalized too.
//   Without a transaction coordinator no feature is sent and clients use transactions v1.

import { apiVersionsResponse, unsupportedApiVersionsResponse, registrationFor, ApiKey } from "../../../protocol/kafka/index.js";
import type { Handler } from "./context.js";

/** transaction.version 2 = KIP-890 part 2 (Kafka 4.0's default for new clusters). */
export const TRANSACTION_VERSION = { name: "transaction.version", minVersion: 0, maxVersion: 2 } as const;

export const handleApiVersions: Handler<typeof ApiKey.ApiVersions> = (ctx, _request, info) =>
  info.header.apiVersion > registrationFor(ApiKey.ApiVersions).maxVersion
    ? unsupportedApiVersionsResponse()
    : !ctx.transactions?.supportsTransactionsV2
      ? apiVersionsResponse()
      : {
        ...apiVersionsResponse(),
        supportedFeatures: [{ ...TRANSACTION_VERSION }],
        finalizedFeaturesEpoch: 1n,
        finalizedFeatures: [{ name: TRANSACTION_VERSION.name, maxVersionLevel: TRANSACTION_VERSION.maxVersion, minVersionLevel: TRANSACTION_VERSION.maxVersion }],
      };
