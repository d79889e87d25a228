// RLIMIT_NOFILE at start. Node has no setrlimit, but it raises the soft limit to the hard limit itself
// when it starts (PlatformInit in node.cc), so by the time this runs the soft limit is already as high as
// the process may go. What is left to do is to say so, and warn when the hard limit is low: every partition
// keeps its active segment's three files open, and each shard caches up to 256 more.

import { readFileSync } from "node:fs";
import type { Logger } from "../log.js";

export interface FileLimits {
  soft: number;
  hard: number;
}

/** The current RLIMIT_NOFILE from /proc/self/limits (Linux), or undefined elsewhere. */
export function readFileLimits(text?: string): FileLimits | undefined {
  let limits = text;
  try {
    limits ??= readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (!match) return undefined;
  const value = (s: string) => (s === "unlimited" ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/** Below this many descriptors a broker with a few hundred partitions cannot start. */
export const LOW_FILE_LIMIT = 4096;

/** Logs the limits once (info), and a warning when they are low. */
export function checkFileLimits(logger: Logger, limits = readFileLimits()): FileLimits | undefined {
  if (!limits) return undefined;
  if (limits.soft < LOW_FILE_LIMIT) {
    logger.warn("open-file limit is low: each partition keeps 3 descriptors open; raise it (ulimit -n, LimitNOFILE=)", {
      soft: limits.soft,
      hard: limits.hard,
      maxPartitionsRoughly: Math.floor((limits.soft - 512) / 3),
    });
  } else {
    logger.info("open-file limit", { soft: limits.soft, hard: limits.hard });
  }
  return limits;
}
