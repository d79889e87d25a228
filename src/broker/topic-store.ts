// Durable topic metadata: `<data-dir>/topics.json` (format: topic-metadata.ts), rewritten on every change
// (create, delete, add partitions, alter configs) so a restart brings back every topic with its configs.
//
// Each write is atomic (temp file, fdatasync, rename, fsync of the directory), then the same bytes are
// written the same way to `topics.json.bak`: if the main file is later damaged (truncated, edited by hand,
// bit rot), start-up can fall back to the backup (topic-startup.ts). The store never reads files itself:
// start-up decides what to believe and hands the result in.

import { join } from "node:path";
import { writeFileAtomic, type FileSystem } from "../storage/fs.js";
import { storageErrorIfSystem } from "../storage/storage-error.js";
import { serializeTopicsFile, type PendingChange, type TopicRecord, type TopicsFile } from "./topic-metadata.js";

export type { PendingChange, TopicRecord } from "./topic-metadata.js";

export const TOPICS_FILE = "topics.json";
export const TOPICS_BACKUP_FILE = "topics.json.bak";

export class TopicStore {
  private readonly topics = new Map<string, TopicRecord>();
  /** id -> topic, built on first use after a change (Kafka requests that name topics by id look here). */
  private byId: Map<string, TopicRecord> | undefined;
  private pending: PendingChange[];

  constructor(private readonly fs: FileSystem, private readonly dataDir: string, initial: TopicsFile = { topics: [], pending: [] }) {
    for (const topic of initial.topics) this.topics.set(topic.name, topic);
    this.pending = [...initial.pending];
  }

  get(name: string): TopicRecord | undefined {
    return this.topics.get(name);
  }

  /** The topic with this id (8-4-4-4-12 hex text), if any. */
  getById(id: string): TopicRecord | undefined {
    this.byId ??= new Map([...this.topics.values()].map((t) => [t.id, t]));
    return this.byId.get(id);
  }

  list(): TopicRecord[] {
    return [...this.topics.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Changes whose directories may be removed (start-up cleans them; see topic-metadata.ts). */
  pendingChanges(): readonly PendingChange[] {
    return this.pending;
  }

  /** Total partitions of every topic (the per-broker limit counts pending creations too). */
  partitionCount(): number {
    let n = 0;
    for (const t of this.topics.values()) n += t.partitions;
    for (const p of this.pending) if (p.reason !== "delete") n += p.to - p.from;
    return n;
  }

  /** Replaces or adds a topic and persists the whole set before returning. */
  put(topic: TopicRecord): void {
    this.change(() => this.topics.set(topic.name, topic));
  }

  remove(name: string): void {
    if (!this.topics.has(name)) return;
    this.change(() => this.topics.delete(name));
  }

  /** Records durably that `change`'s directories are about to be made or removed. */
  addPending(change: PendingChange, alsoRemoveTopic = false): void {
    this.change(() => {
      this.pending.push(change);
      if (alsoRemoveTopic) this.topics.delete(change.name);
    });
  }

  /** Clears a pending change, optionally publishing `topic` in the same write (a finished create). */
  resolvePending(change: PendingChange, topic?: TopicRecord): void {
    this.change(() => {
      this.pending = this.pending.filter((p) => p !== change);
      if (topic) this.topics.set(topic.name, topic);
    });
  }

  /** Clears every pending change (start-up, after removing their directories). */
  clearPending(): void {
    if (this.pending.length) this.change(() => (this.pending = []));
  }

  /** Writes the current state (start-up uses it after recovering from the backup or rebuilding). */
  save(): void {
    this.persist();
  }

  /** Applies a mutation, persists, and undoes the mutation if persisting failed. */
  private change(mutate: () => void): void {
    const topics = new Map(this.topics);
    const pending = [...this.pending];
    this.byId = undefined;
    mutate();
    try {
      this.persist();
    } catch (error) {
      this.topics.clear();
      for (const [k, v] of topics) this.topics.set(k, v);
      this.pending = pending;
      throw error;
    }
  }

  private persist(): void {
    const bytes = serializeTopicsFile({ topics: this.list(), pending: this.pending });
    try {
      writeFileAtomic(this.fs, join(this.dataDir, TOPICS_FILE), bytes);
    } catch (error) {
      // Out of descriptors or disk: the change did not happen, and saying so as KAFKA_STORAGE_ERROR lets
      // clients retry once the condition passes (a bare errno error would reach them as UNKNOWN_SERVER_ERROR).
      throw storageErrorIfSystem(`write ${TOPICS_FILE}`, error);
    }
    // The main file is the truth; the backup only has to be a recent good copy, so a failure here is not
    // a failed change (the next write retries it).
    try {
      writeFileAtomic(this.fs, join(this.dataDir, TOPICS_BACKUP_FILE), bytes);
    } catch {
      /* ignored: see above */
    }
  }
}
