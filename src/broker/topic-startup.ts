// Start-up's view of the topic metadata: which file to believe, and what to do with the partition
// directories on disk. The rule: metadata that is missing, unreadable or odd never deletes data.
//
//   topics.json valid ──────────────────────────┐
//   missing / empty / garbage ─► topics.json.bak valid? ─► use it (logged) ──┤
//                                  └─ no ─► no metadata                      │
//                                                                            ▼
//   remove the directories of pending changes (a create, add-partitions or delete the last broker
//   wrote down before touching them: the only directories ever removed here)
//                                                                            ▼
//   every other partition directory explained by the metadata? ── yes ─► start
//                                                   └─ no ─► refuse, naming the file and the
//                                                            directories, unless rebuildMetadata:
//                                                            add topic <name> with max(<n>)+1 partitions
//                                                            (default configs), logged, and start
//
// A directory counts as a partition when its name is `<legal topic name>-<n>` and it holds a
// partition.checkpoint or a .log file; anything else in the data directory is not ours and is ignored.

import { randomUUID } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { RivuletError } from "../errors/index.js";
import type { Logger } from "../log.js";
import { partitionDirName } from "../shard/protocol.js";
import type { FileSystem } from "../storage/fs.js";
import { MetadataFormatError, parseTopicsFile, type TopicRecord, type TopicsFile } from "./topic-metadata.js";
import { validateTopicName } from "./topic-name.js";
import { TOPICS_BACKUP_FILE, TOPICS_FILE, TopicStore } from "./topic-store.js";

/** The broker will not start on this data directory as it stands (see the message for what to do). */
export class MetadataError extends RivuletError {
  constructor(message: string) {
    super("METADATA_INCONSISTENT", message);
  }
}

export interface LoadTopicsOptions {
  /** Rebuild topics.json from the partition directories where it does not explain them. */
  rebuild: boolean;
  logger: Logger;
}

interface PartitionDir {
  dir: string;
  topic: string;
  partition: number;
}

type FileState = { ok: TopicsFile } | { missing: true } | { invalid: string };

const PARTITION_DIR = /^(.+)-(0|[1-9]\d{0,5})$/;

export function loadTopicStore(fs: FileSystem, dataDir: string, options: LoadTopicsOptions): TopicStore {
  const { logger } = options;
  const mainPath = join(dataDir, TOPICS_FILE);
  const backupPath = join(dataDir, TOPICS_BACKUP_FILE);
  const main = readState(fs, mainPath);
  let file: TopicsFile | undefined;
  let source = TOPICS_FILE;
  let problem: string | undefined; // what is wrong with the main file, if anything
  if ("ok" in main) file = main.ok;
  else {
    problem = "missing" in main ? `${mainPath} does not exist` : `${mainPath} is not valid metadata: ${main.invalid}`;
    const backup = readState(fs, backupPath);
    if ("ok" in backup) {
      file = backup.ok;
      source = TOPICS_BACKUP_FILE;
    } else {
      problem += "missing" in backup ? `; there is no ${TOPICS_BACKUP_FILE}` : `; ${backupPath} is not valid either: ${backup.invalid}`;
    }
  }

  // Finish what the last broker wrote down before it created or removed directories.
  let dirs = scanPartitionDirs(dataDir);
  const explainedBy = (topics: TopicRecord[], d: PartitionDir) => topics.some((t) => t.name === d.topic && d.partition < t.partitions);
  if (file) {
    for (const change of file.pending) {
      for (const d of dirs) {
        if (d.topic !== change.name || d.partition < change.from || d.partition >= change.to || explainedBy(file.topics, d)) continue;
        rmSync(join(dataDir, d.dir), { recursive: true, force: true });
        logger.warn(`removed a partition directory of an interrupted topic ${change.reason}`, { dir: d.dir, topic: change.name });
      }
    }
    if (file.pending.length) dirs = scanPartitionDirs(dataDir);
  }

  const known = file?.topics ?? [];
  const unexplained = dirs.filter((d) => !explainedBy(known, d));
  const fresh = !file && "missing" in main && dirs.length === 0;
  if (fresh) return new TopicStore(fs, dataDir);

  if (file && unexplained.length === 0) {
    const store = new TopicStore(fs, dataDir, { topics: file.topics, pending: [] });
    if (source !== TOPICS_FILE) {
      logger.warn(`${problem}; using the backup ${backupPath}, which describes every partition directory, and rewriting ${TOPICS_FILE} from it`, { topics: known.length });
      store.save();
    } else if (file.pending.length) store.save();
    warnMissing(store.list(), dirs, logger);
    return store;
  }

  const listing = describeDirs(unexplained.length ? unexplained : dirs);
  if (!options.rebuild) {
    const onDisk = dirs.length ? `the data directory holds partition directories ${listing}` : "the data directory holds no partition directories";
    const what = problem
      ? `${problem}${file ? `; the backup does not describe partition directories ${listing}` : `, and ${onDisk}`}`
      : `${mainPath} does not describe partition directories ${listing} (a missing topic, or a partition count smaller than on disk)`;
    throw new MetadataError(
      `Refusing to start: ${what}. Rivulet never deletes data because metadata is missing or odd. Restore ${TOPICS_FILE} ` +
        `(${TOPICS_BACKUP_FILE} is the last good copy, if present), or start once with --rebuild-metadata ` +
        `(RIVULET_REBUILD_METADATA=1, BrokerConfig.rebuildMetadata) to rebuild the metadata from the directories: each <topic>-<n> ` +
        `directory becomes topic <topic> with enough partitions to cover <n>, with default configs.`,
    );
  }
  const topics = new Map(known.map((t) => [t.name, { ...t }]));
  for (const d of unexplained) {
    const existing = topics.get(d.topic);
    if (existing) {
      if (d.partition >= existing.partitions) {
        logger.warn("rebuilding metadata: raising a topic's partition count to cover its directories", { topic: d.topic, from: existing.partitions, to: d.partition + 1 });
        existing.partitions = d.partition + 1;
      }
    } else {
      topics.set(d.topic, { name: d.topic, id: randomUUID(), partitions: d.partition + 1, configs: {}, createdAt: Date.now() });
    }
  }
  for (const t of topics.values()) {
    if (!known.some((k) => k.name === t.name)) logger.warn("rebuilding metadata: added a topic found on disk, with default configs", { topic: t.name, partitions: t.partitions });
  }
  const store = new TopicStore(fs, dataDir, { topics: [...topics.values()], pending: [] });
  store.save();
  logger.warn(`rebuilt ${mainPath} from the partition directories`, { basedOn: file ? source : "nothing", topics: topics.size, problem });
  warnMissing(store.list(), scanPartitionDirs(dataDir), logger);
  return store;
}

function readState(fs: FileSystem, path: string): FileState {
  if (!fs.exists(path)) return { missing: true };
  try {
    return { ok: parseTopicsFile(fs.readFile(path)) };
  } catch (error) {
    if (error instanceof MetadataFormatError) return { invalid: error.message };
    return { invalid: `unreadable (${(error as Error).message})` };
  }
}

/** Directories that are recognisably partition logs (see the header). */
export function scanPartitionDirs(dataDir: string): PartitionDir[] {
  const out: PartitionDir[] = [];
  for (const name of readdirSync(dataDir)) {
    const match = PARTITION_DIR.exec(name);
    if (!match) continue;
    const topic = match[1]!;
    try {
      validateTopicName(topic);
      if (!statSync(join(dataDir, name)).isDirectory()) continue;
      if (!readdirSync(join(dataDir, name)).some((f) => f === "partition.checkpoint" || f.endsWith(".log"))) continue;
    } catch {
      continue;
    }
    out.push({ dir: name, topic, partition: Number(match[2]) });
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

function describeDirs(dirs: PartitionDir[]): string {
  const shown = dirs.slice(0, 20).map((d) => d.dir).join(", ");
  return dirs.length > 20 ? `${shown}, ... (${dirs.length} in all)` : `${shown} (${dirs.length})`;
}

/** A topic whose directories are gone starts with empty partitions: say so, since that lost data. */
function warnMissing(topics: TopicRecord[], dirs: PartitionDir[], logger: Logger): void {
  const present = new Set(dirs.map((d) => d.dir));
  for (const t of topics) {
    const missing = Array.from({ length: t.partitions }, (_, p) => partitionDirName(t.name, p)).filter((d) => !present.has(d));
    if (missing.length) logger.warn("partition directories named in the metadata are missing; they start empty", { topic: t.name, missing: missing.slice(0, 20), count: missing.length });
  }
}
