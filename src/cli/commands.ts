// The command table: every `rivulet` command, in the order `rivulet --help` lists them.

import { bench } from "./bench/command.js";
import type { AnyCommand, CommandGroup } from "./command.js";
import { completionCommand } from "./completion.js";
import { consume } from "./consume.js";
import { groups } from "./groups.js";
import { produce } from "./produce.js";
import { profile } from "./profiles.js";
import { serve } from "./serve.js";
import { topics } from "./topics.js";
import { users } from "./users.js";
import { acls } from "./acls.js";
import { cluster } from "./cluster.js";

export type Entry = AnyCommand | CommandGroup;

export const commands: Entry[] = [serve, topics, groups, produce, consume, bench, users, acls, profile, cluster];
commands.push(completionCommand(() => commands));

export function isGroup(entry: Entry): entry is CommandGroup {
  return "commands" in entry;
}
