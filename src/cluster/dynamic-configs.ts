// Dynamic configs in etcd (layout.ts, <prefix>/configs/): one key per config, so that changing one never
// rewrites another. Any broker (and the CLI) writes them; every broker follows them through its watch.

import type { Etcd3 } from "etcd3";
import type { Keys } from "./layout.js";

type Kind = "broker" | "topic";

/** The resource's configs as etcd holds them now (a linearizable read). */
export async function readDynamicConfigs(session: { client: Etcd3; keys: Keys }, kind: Kind, name: string): Promise<Record<string, string>> {
  const prefix = session.keys.dynamicConfigsOf(kind, name);
  const all = await session.client.getAll().prefix(prefix).strings();
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) out[key.slice(prefix.length)] = value;
  return out;
}

/** Sets the resource's configs among `names` to `configs` (names left out are deleted), in one transaction. */
export async function writeDynamicConfigs(session: { client: Etcd3; keys: Keys }, kind: Kind, name: string, names: readonly string[], configs: Record<string, string>): Promise<void> {
  const ops = names.map((config) => {
    const key = session.keys.dynamicConfig(kind, name, config);
    return config in configs ? session.client.put(key).value(configs[config]!) : session.client.delete().key(key);
  });
  // etcd3 writes several keys at once as a transaction; its condition (a version > -1) always holds.
  if (ops.length) await session.client.if(session.keys.dynamicConfig(kind, name, names[0]!), "Version", ">", -1).then(...ops).commit();
}
