// What a KIP-848 group subscribes to: each member's topic names plus the topics its SubscribedTopicRegex
// matches (whole names, RE2 syntax: regex-parse.ts, regex-match.ts), and the partition counts of all of them,
// whose changes move the group epoch (heartbeat.ts).

import type { GroupContext } from "../context.js";
import type { ConsumerGroup } from "./group.js";
import { compileTopicRegex } from "./regex-match.js";

/**
 * Each member's topics: its names, and the existing topics its regex matches (resolved against the broker's
 * topic names now, so a topic created or deleted since shows at the next heartbeat and moves the group
 * epoch), less the matches its principal may not DESCRIBE (group.topicVisible). Its names need no filter:
 * the front end refuses a heartbeat naming a topic the principal cannot see.
 */
export function memberTopics(ctx: GroupContext, group: ConsumerGroup): Map<string, string[]> {
  const byRegex = new Map<string, string[]>();
  const out = new Map<string, string[]>();
  for (const m of group.members.values()) {
    if (m.subscribedTopicRegex === null) {
      out.set(m.memberId, m.subscribedTopicNames);
      continue;
    }
    let resolved = byRegex.get(m.subscribedTopicRegex);
    if (!resolved) {
      resolved = resolveRegex(ctx, m.subscribedTopicRegex);
      byRegex.set(m.subscribedTopicRegex, resolved);
    }
    const visible = group.topicVisible.get(m.memberId);
    const matched = visible ? resolved.filter(visible) : resolved;
    out.set(m.memberId, [...new Set([...m.subscribedTopicNames, ...matched])].sort());
  }
  return out;
}

function resolveRegex(ctx: GroupContext, source: string): string[] {
  try {
    const regex = compileTopicRegex(source);
    return (ctx.hooks.topicNames?.() ?? []).filter((t) => regex.matches(t));
  } catch {
    return []; // validated when received; only a damaged record could get here
  }
}

export function subscriptionMetadata(ctx: GroupContext, group: ConsumerGroup): Map<string, number> {
  const out = new Map<string, number>();
  const topics = new Set([...memberTopics(ctx, group).values()].flat());
  for (const topic of [...topics].sort()) {
    const n = ctx.hooks.partitionsFor?.(topic) ?? 0;
    if (Number.isInteger(n) && n > 0) out.set(topic, n);
  }
  return out;
}
