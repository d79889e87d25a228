// A three-broker cluster (etcd + broker processes, harness.ts) where broker `id` keeps its data on a small
// tmpfs it can fill to the last byte (test/helpers/tmpfs.ts; root only: elsewhere the broker gets an
// ordinary data dir and the tests skip with tmpfsSkipReason). Shared by the full-disk cluster tests.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { tmpfsMounts, tmpfsSkipReason } from "../helpers/tmpfs.js";
import { ClusterBroker, clusterFixture, tempDir, type BrokerOptions } from "./harness.js";

export function smallDiskCluster(options: { id: number; label: string; size: string; broker?: BrokerOptions }) {
  let dir = "";
  const fixture = clusterFixture({
    start: async ({ etcd, brokers }) => {
      for (const id of [1, 2, 3]) {
        let dataDir: string | undefined;
        if (id === options.id && !tmpfsSkipReason) {
          dataDir = dir = join(tempDir(options.label), "data");
          mkdirSync(dataDir);
          tmpfs.mount(dataDir, options.size);
        }
        brokers.push(await ClusterBroker.start(id, etcd, { ...options.broker, ...(dataDir ? { dataDir } : {}) }));
      }
    },
  });
  // Registered after the fixture: unmounted (lazily) before the fixture removes its temp dirs.
  const tmpfs = tmpfsMounts();
  return { fixture, tmpfs, fullDir: () => dir };
}
