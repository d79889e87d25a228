// A failure that a retry loop meets again and again (a full disk, no file descriptor left) is logged once
// per episode: a warning when it starts, a debug line for each retry that fails the same way, and info
// when one succeeds again. Never a warning per retry: the operator's journal would fill with them exactly
// when the disk is already full.

import type { LogFields, Logger } from "./log.js";

export interface EpisodeMessages {
  /** Warned when a key fails after succeeding (or for the first time). */
  started: string;
  /** Debug, for each further failure of a key already failing. */
  continues: string;
  /** Info, when a failing key succeeds again. */
  ended: string;
}

/** What the episodes remember: a WeakSet for objects (nothing kept alive), a Set for names. */
interface KeySet<K> {
  has(key: K): boolean;
  add(key: K): unknown;
  delete(key: K): boolean;
}

export class FailureEpisodes<K> {
  constructor(
    private readonly messages: EpisodeMessages,
    private readonly failing: KeySet<K>,
  ) {}

  /** Objects as keys (a partition log, a transaction): forgotten with them. */
  static byObject<K extends object>(messages: EpisodeMessages): FailureEpisodes<K> {
    return new FailureEpisodes<K>(messages, new WeakSet<K>());
  }

  /** Names as keys (a group id): kept until they succeed again. */
  static byName(messages: EpisodeMessages): FailureEpisodes<string> {
    return new FailureEpisodes<string>(messages, new Set<string>());
  }

  /** `logger` may be absent (a component built without one): the episode is still tracked. */
  failed(key: K, logger: Logger | undefined, fields: LogFields): void {
    if (this.failing.has(key)) {
      logger?.debug(this.messages.continues, fields);
      return;
    }
    this.failing.add(key);
    logger?.warn(this.messages.started, fields);
  }

  succeeded(key: K, logger: Logger | undefined, fields?: LogFields): void {
    if (this.failing.delete(key)) logger?.info(this.messages.ended, fields);
  }
}
