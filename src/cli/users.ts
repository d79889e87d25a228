// `rivulet users add|delete|list`: SCRAM users (docs/security.md).
//
// Two paths, one result. Without --bootstrap the command edits the user store of a STOPPED broker's data
// directory, holding the directory's lock while it writes (a running broker holds it, and the command says
// to use --bootstrap). With --bootstrap it asks a running broker through Kafka's own admin APIs
// (AlterUserScramCredentials / DescribeUserScramCredentials): the standard path that Kafka's tools use too,
// and the password never crosses the wire: the CLI salts it and sends only SaltedPassword. With --broker it
// does the same over the WebSocket (ALTER_USERS / DESCRIBE_USERS, docs/protocol.md §8), authenticated with
// the active profile's credentials.

import { randomBytes } from "node:crypto";
import { lockDataDir, DataDirLockedError } from "../broker/lock-file.js";
import { ApiKey } from "../protocol/kafka/index.js";
import { kafkaErrorByCode } from "../errors/index.js";
import { DEFAULT_ITERATIONS, isScramMechanism, SCRAM_MECHANISMS, saltedPassword, ScramMechanismCode, scramMechanismFromCode, UserStore, type ScramMechanism } from "../security/index.js";
import { defineCommand, type CommandGroup } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { adminFlags, withAdmin } from "./kafka-admin.js";
import { withBroker } from "./client.js";
import { renderTable } from "./table.js";

/** --broker: a running broker over the WebSocket (no env variable: RIVULET_BROKER must not redirect these). */
export const wsAdminFlag = {
  broker: { kind: "string", description: "a running broker's WebSocket URL (or host:port), with the profile's credentials; instead of --data-dir or --bootstrap", placeholder: "URL" },
} as const;

const storeFlags = {
  "data-dir": { kind: "string", description: "data directory of a stopped broker", default: "./data", env: "RIVULET_DATA_DIR", placeholder: "DIR" },
  ...adminFlags,
  ...wsAdminFlag,
} as const;

/** --broker and --bootstrap name two ways to one running broker: one at a time. */
export function checkOneWay(flags: { broker?: string; bootstrap?: string }): void {
  if (flags.broker !== undefined && flags.bootstrap !== undefined) throw new UsageError("--broker and --bootstrap are exclusive");
}

/** Runs `body` on the store of a stopped broker, holding its data-directory lock. */
export async function withStoppedBroker<T>(dataDir: string, body: () => Promise<T> | T): Promise<T> {
  let lock;
  try {
    lock = lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new CliError(`a broker is running on ${dataDir} (pid ${error.ownerPid}): use --bootstrap HOST:KAFKA_PORT to change it live`);
    throw error;
  }
  try {
    return await body();
  } finally {
    lock.release();
  }
}

function mechanismsOf(text: string): ScramMechanism[] {
  const list = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const m of list) if (!isScramMechanism(m)) throw new UsageError(`--mechanism: ${m} is not SCRAM-SHA-256 or SCRAM-SHA-512`);
  return list as ScramMechanism[];
}

async function readPassword(flags: { password?: string; "password-stdin": boolean }): Promise<string> {
  if (flags.password !== undefined && flags["password-stdin"]) throw new UsageError("--password and --password-stdin are exclusive");
  if (flags["password-stdin"]) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  }
  if (flags.password === undefined || flags.password === "") throw new UsageError("give the password with --password, --password-stdin or RIVULET_USER_PASSWORD");
  return flags.password;
}

function checkResults(results: { user: string; errorCode: number; errorMessage: string | null }[]): void {
  const bad = results.find((r) => r.errorCode !== 0);
  if (bad) throw new CliError(`${bad.user}: ${kafkaErrorByCode(bad.errorCode) ?? bad.errorCode}${bad.errorMessage ? ` (${bad.errorMessage})` : ""}`);
}

const add = defineCommand({
  name: "add",
  summary: "Add a user, or change its password (SCRAM credentials; the password itself is never stored).",
  args: [{ name: "name", description: "user name (the principal is User:<name>)" }],
  flags: {
    password: { kind: "string", description: "the password (prefer --password-stdin or the env variable)", env: "RIVULET_USER_PASSWORD", placeholder: "PASSWORD" },
    "password-stdin": { kind: "boolean", description: "read the password from stdin (one line, no prompt)" },
    mechanism: { kind: "string", description: "SCRAM mechanisms to store, comma-separated", default: SCRAM_MECHANISMS.join(","), placeholder: "LIST" },
    iterations: { kind: "integer", description: "PBKDF2 iterations (4096-16384)", default: DEFAULT_ITERATIONS, min: 4096 },
    ...storeFlags,
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    const mechanisms = mechanismsOf(flags.mechanism);
    const password = await readPassword(flags);
    checkOneWay(flags);
    if (flags.broker !== undefined) {
      await withBroker(flags, (c) => c.admin.upsertUser(name, password, { mechanisms, iterations: flags.iterations }));
    } else if (flags.bootstrap) {
      const upsertions = await Promise.all(
        mechanisms.map(async (m) => {
          const salt = randomBytes(32);
          return { name, mechanism: ScramMechanismCode[m], iterations: flags.iterations, salt, saltedPassword: await saltedPassword(m, password, salt, flags.iterations) };
        }),
      );
      await withAdmin(flags, async (c) => checkResults((await c.request(ApiKey.AlterUserScramCredentials, 0, { deletions: [], upsertions })).results));
    } else {
      await withStoppedBroker(flags["data-dir"], () => UserStore.open(flags["data-dir"]).setPassword(name, password, mechanisms, flags.iterations));
    }
    process.stdout.write(`user ${name}: ${mechanisms.join(", ")} credentials stored\n`);
  },
});

const del = defineCommand({
  name: "delete",
  summary: "Delete a user's SCRAM credentials (all mechanisms, or those given).",
  args: [{ name: "name", description: "user name" }],
  flags: {
    mechanism: { kind: "string", description: "only these mechanisms, comma-separated", placeholder: "LIST" },
    ...storeFlags,
  },
  async run({ flags, args }) {
    const [name] = args as [string];
    const only = flags.mechanism ? mechanismsOf(flags.mechanism) : undefined;
    checkOneWay(flags);
    if (flags.broker !== undefined) {
      await withBroker(flags, (c) => c.admin.deleteUser(name, only));
    } else if (flags.bootstrap) {
      await withAdmin(flags, async (c) => {
        let mechanisms = only;
        if (!mechanisms) {
          const described = await c.request(ApiKey.DescribeUserScramCredentials, 0, { users: [name] });
          const r = described.results[0];
          if (described.errorCode !== 0 || !r) throw new CliError(`cannot describe ${name}: ${kafkaErrorByCode(described.errorCode)}`);
          if (r.errorCode !== 0) throw new CliError(`unknown user '${name}'`);
          mechanisms = r.credentialInfos.map((i) => scramMechanismFromCode(i.mechanism)).filter((m): m is ScramMechanism => m !== undefined);
        }
        checkResults((await c.request(ApiKey.AlterUserScramCredentials, 0, { deletions: mechanisms.map((m) => ({ name, mechanism: ScramMechanismCode[m] })), upsertions: [] })).results);
      });
    } else {
      await withStoppedBroker(flags["data-dir"], () => {
        const store = UserStore.open(flags["data-dir"]);
        if (!store.has(name)) throw new CliError(`unknown user '${name}'`);
        if (only) for (const m of only) store.delete(name, m);
        else store.delete(name);
      });
    }
    process.stdout.write(`user ${name}: deleted\n`);
  },
});

const list = defineCommand({
  name: "list",
  summary: "List users and their SCRAM mechanisms.",
  flags: { ...storeFlags },
  async run({ flags }) {
    let rows: { name: string; credentials: { mechanism: string; iterations: number }[] }[];
    checkOneWay(flags);
    if (flags.broker !== undefined) {
      rows = (await withBroker(flags, (c) => c.admin.describeUsers())).map((u) => ({ name: u.user, credentials: u.credentials }));
    } else if (flags.bootstrap) {
      const r = await withAdmin(flags, (c) => c.request(ApiKey.DescribeUserScramCredentials, 0, { users: null }));
      if (r.errorCode !== 0) throw new CliError(`cannot list users: ${kafkaErrorByCode(r.errorCode)}${r.errorMessage ? ` (${r.errorMessage})` : ""}`);
      rows = r.results.map((u) => ({ name: u.user, credentials: u.credentialInfos.map((i) => ({ mechanism: scramMechanismFromCode(i.mechanism) ?? String(i.mechanism), iterations: i.iterations })) }));
    } else {
      // Reading needs no lock: the store is replaced atomically, never written in place.
      rows = UserStore.open(flags["data-dir"]).list();
    }
    process.stdout.write(renderTable(["USER", "MECHANISMS"], rows.map((u) => [u.name, u.credentials.map((c) => `${c.mechanism} (${c.iterations})`).join(", ")])));
  },
});

export const users: CommandGroup = {
  name: "users",
  summary: "Manage SCRAM users (a stopped broker's --data-dir, or a running one with --bootstrap or --broker).",
  commands: [add, del, list],
};
