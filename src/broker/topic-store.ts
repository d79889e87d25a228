// Durable topic metadata: `<data-dir>/topics.json`, rewritten atomically on every change (create, delete,
// add partitions, alter configs), so a restart brings back every topic with its configs.
//
//   {"version":1,"topics":[{"name":"orders","id":"6f1c...","partitions":6,
//     "configs":{"retention.ms":"86400000"},"createdAt":1700000000000}]}
//
// Configs are kept as Kafka-style strings, exactly as given, and parsed into a LogConfig when used.

import { join } from "node:path";
import { StorageError } from "../errors/index.js";
import { writeFileAtomic, type FileSystem } from "../storage/fs.js";

export interface TopicRecord {
  name: string;
  /** A random UUID: distinguishes a re-created topic from the deleted one of the same name. */
  id: string;
  partitions: number;
  configs: Record<string, string>;
  createdAt: number;
}

export const TOPICS_FILE = "topics.json";

export class TopicStore {
  private readonly topics = new Map<string, TopicRecord>();

  private constructor(private readonly fs: FileSystem, private readonly dataDir: string) {}

  static open(fs: FileSystem, dataDir: string): TopicStore {
    const store = new TopicStore(fs, dataDir);
    const path = join(dataDir, TOPICS_FILE);
    if (fs.exists(path)) {
      let parsed: { version: number; topics: TopicRecord[] };
      try {
        parsed = JSON.parse(new TextDecoder().decode(fs.readFile(path)));
      } catch (error) {
        // Refuse to start rather than silently forget every topic.
        throw new StorageError(`${path} is unreadable: ${(error as Error).message}`, { cause: error });
      }
      if (parsed.version !== 1) throw new StorageError(`${path} has unknown version ${parsed.version}`);
      for (const topic of parsed.topics) store.topics.set(topic.name, topic);
    }
    return store;
  }

  get(name: string): TopicRecord | undefined {
    return this.topics.get(name);
  }

  list(): TopicRecord[] {
    return [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Replaces or adds a topic and persists the whole set before returning. */
  put(topic: TopicRecord): void {
    const previous = this.topics.get(topic.name);
    this.topics.set(topic.name, topic);
    try {
      this.persist();
    } catch (error) {
      if (previous) this.topics.set(topic.name, previous);
      else this.topics.delete(topic.name);
      throw error;
    }
  }

  remove(name: string): void {
    const previous = this.topics.get(name);
    if (!previous) return;
    this.topics.delete(name);
    try {
      this.persist();
    } catch (error) {
      this.topics.set(name, previous);
      throw error;
    }
  }

  private persist(): void {
    const text = JSON.stringify({ version: 1, topics: this.list() }, null, 1);
    writeFileAtomic(this.fs, join(this.dataDir, TOPICS_FILE), new TextEncoder().encode(text));
  }
}
