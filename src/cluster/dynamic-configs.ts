// Dynamic configs in etcd (layout.ts, <prefix>/configs/): one key per config, so that changing one never
// rewrites another. Any broker (and the CLI) writes them; every broker follows them through its watch.
//
// Every write is a compare-and-swap: the new values are computed from a read, and the etcd transaction
// that writes them holds only if none of the keys written has changed since that read (its mod revision;
// 0 for a key that did not exist). Two brokers appending to the same list at once thus cannot lose one of
// the changes: the later one finds a changed revision, reads again and re-applies its change.

import type { Etcd3 } from "etcd3";
import { ConcurrentUpdateError } from "../errors/index.js";
import type { Keys } from "./layout.js";

type Kind = "broker" | "topic";
type Session = { client: Etcd3; keys: Keys };

/**
 * What a change makes of the resource's current configs: the values of the configs it manages (names left
 * out are deleted), or undefined for "nothing to change". Called once per attempt, so it must not depend on
 * anything but its argument (a throw stops the update with nothing written).
 */
export type ConfigChange = (current: Record<string, string>) => Record<string, string> | undefined;

/** Attempts before a change that keeps losing to other writers gives up (ConcurrentUpdateError). */
export const UPDATE_ATTEMPTS = 8;

/** The resource's configs as etcd holds them now (a linearizable read). */
export async function readDynamicConfigs(session: Session, kind: Kind, name: string): Promise<Record<string, string>> {
  return (await readVersioned(session, kind, name)).configs;
}

/** The configs and, per config name, the mod revision they were read at. */
async function readVersioned(session: Session, kind: Kind, name: string): Promise<{ configs: Record<string, string>; revisions: Map<string, string> }> {
  const prefix = session.keys.dynamicConfigsOf(kind, name);
  const range = await session.client.getAll().prefix(prefix).exec();
  const configs: Record<string, string> = {};
  const revisions = new Map<string, string>();
  for (const kv of range.kvs) {
    const config = kv.key.toString().slice(prefix.length);
    configs[config] = kv.value.toString();
    revisions.set(config, kv.mod_revision);
  }
  return { configs, revisions };
}

/**
 * Changes the resource's configs among `names` by `change` (see ConfigChange), as one compare-and-swap
 * against the values it was computed from; on a conflict reads again and re-applies, at most
 * UPDATE_ATTEMPTS times, then throws ConcurrentUpdateError (retriable; nothing written). Resolves to what
 * was written, or undefined when the change had nothing to do.
 */
export async function updateDynamicConfigs(session: Session, kind: Kind, name: string, names: readonly string[], change: ConfigChange, attempts = UPDATE_ATTEMPTS): Promise<Record<string, string> | undefined> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const { configs, revisions } = await readVersioned(session, kind, name);
    const next = change(configs);
    if (next === undefined) return undefined;
    if (await writeIfUnchanged(session, kind, name, names, next, revisions)) return next;
    // Lost to another writer: back off a little, with jitter so that two retrying brokers part ways.
    if (attempt < attempts) await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
  }
  throw new ConcurrentUpdateError(`the ${kind} ${name === "" ? "(cluster default)" : name} configs kept changing under this update (${attempts} attempts): nothing was changed, try again`);
}

/** Sets the resource's configs among `names` to `configs` (names left out are deleted): a replacement. */
export async function writeDynamicConfigs(session: Session, kind: Kind, name: string, names: readonly string[], configs: Record<string, string>): Promise<void> {
  await updateDynamicConfigs(session, kind, name, names, () => configs);
}

/** The write of one attempt: true if done, false if a key written changed since `revisions` were read. */
async function writeIfUnchanged(session: Session, kind: Kind, name: string, names: readonly string[], configs: Record<string, string>, revisions: Map<string, string>): Promise<boolean> {
  if (!names.length) return true;
  const key = (config: string) => session.keys.dynamicConfig(kind, name, config);
  const txn = session.client.if(key(names[0]!), "Mod", "==", revisions.get(names[0]!) ?? 0);
  for (const config of names.slice(1)) txn.and(key(config), "Mod", "==", revisions.get(config) ?? 0);
  const ops = names.map((config) => (config in configs ? session.client.put(key(config)).value(configs[config]!) : session.client.delete().key(key(config))));
  return (await txn.then(...ops).commit()).succeeded;
}
