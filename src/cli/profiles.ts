// Profiles (rpk-style named contexts): a broker URL, and the credentials and TLS files that security
// needs, saved under a name and selected with --profile NAME (any command), RIVULET_PROFILE, or `rivulet
// profile use NAME`. The file is $RIVULET_CONFIG_DIR/profiles.json (default ~/.config/rivulet), written
// atomically with mode 0600 because it may hold secrets.
//
//   rivulet profile create prod --broker wss://broker.example.com/ws --token-file ~/.rivulet/prod.jwt
//   rivulet profile use prod
//   rivulet topics list                     # talks to prod
//   rivulet topics list --profile local     # or RIVULET_PROFILE=local

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { defineCommand, type CommandGroup } from "./command.js";
import { CliError, UsageError } from "./errors.js";
import { renderTable } from "./table.js";

export interface Profile {
  broker: string;
  /** A bearer token (JWT) for the WebSocket AUTH frame, or a file holding one. */
  token?: string;
  tokenFile?: string;
  /** SCRAM/PLAIN credentials. */
  username?: string;
  password?: string;
  /** PEM CA bundle to trust for wss:// (and client certificate for mTLS). */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

interface ProfileFile {
  version: 1;
  current?: string;
  profiles: Record<string, Profile>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RIVULET_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "rivulet");
}

export function profilesPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "profiles.json");
}

export function readProfiles(env: NodeJS.ProcessEnv = process.env): ProfileFile {
  const path = profilesPath(env);
  if (!existsSync(path)) return { version: 1, profiles: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CliError(`${path} is not valid JSON (${(error as Error).message}); fix or remove it`);
  }
  const file = parsed as Partial<ProfileFile>;
  if (file?.version !== 1 || typeof file.profiles !== "object" || file.profiles === null) throw new CliError(`${path}: expected {"version":1,"profiles":{...}}`);
  return { version: 1, current: file.current, profiles: file.profiles };
}

function writeProfiles(file: ProfileFile, env: NodeJS.ProcessEnv = process.env): void {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = profilesPath(env);
  const temp = `${path}.tmp`;
  // Created 0600 and kept 0600: it may hold tokens and passwords.
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** The profile in force: --profile / RIVULET_PROFILE, else the file's current one, else none. */
export function activeProfile(env: NodeJS.ProcessEnv = process.env): { name: string; profile: Profile } | undefined {
  const file = readProfiles(env);
  const name = env.RIVULET_PROFILE || file.current;
  if (!name) return undefined;
  const profile = file.profiles[name];
  if (!profile) throw new CliError(`no profile named '${name}' (rivulet profile list shows them)`);
  return { name, profile };
}

/** Takes `--profile NAME` (or `--profile=NAME`) out of a command line: it applies to every command. */
export function extractProfileFlag(argv: string[]): { argv: string[]; profile?: string } {
  const out: string[] = [];
  let profile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (token === "--profile") {
      profile = argv[++i];
      if (profile === undefined) throw new UsageError("--profile needs a name");
    } else if (token.startsWith("--profile=")) profile = token.slice("--profile=".length);
    else out.push(token);
  }
  return { argv: out, profile };
}

/** The profiles file and a name that is saved in it, or a one-line error. */
function savedProfile(given: string | undefined): { file: ProfileFile; name: string } {
  const file = readProfiles();
  const name = given ?? "";
  if (!file.profiles[name]) throw new CliError(`no profile named '${name}'`);
  return { file, name };
}

const create = defineCommand({
  name: "create",
  summary: "Save a profile (replacing one of the same name).",
  args: [{ name: "name", description: "letters, digits, '.', '_' and '-'" }],
  flags: {
    broker: { kind: "string", description: "broker WebSocket URL", placeholder: "URL" },
    token: { kind: "string", description: "bearer token (JWT) for authentication", placeholder: "JWT" },
    "token-file": { kind: "string", description: "file holding the token (read at each use)", placeholder: "FILE" },
    username: { kind: "string", description: "SCRAM/PLAIN user", placeholder: "USER" },
    password: { kind: "string", description: "SCRAM/PLAIN password", placeholder: "SECRET" },
    "tls-ca": { kind: "string", description: "PEM CA bundle to trust", placeholder: "FILE" },
    "tls-cert": { kind: "string", description: "PEM client certificate (mTLS)", placeholder: "FILE" },
    "tls-key": { kind: "string", description: "PEM client key (mTLS)", placeholder: "FILE" },
    use: { kind: "boolean", description: "make it the current profile" },
  },
  async run({ args, flags }) {
    const name = args[0];
    if (!name || !NAME.test(name)) throw new UsageError(`profile name must match ${NAME.source}, got '${name ?? ""}'`);
    if (!flags.broker) throw new UsageError("profile create needs --broker");
    const file = readProfiles();
    const profile: Profile = { broker: flags.broker };
    if (flags.token) profile.token = flags.token;
    if (flags["token-file"]) profile.tokenFile = flags["token-file"];
    if (flags.username) profile.username = flags.username;
    if (flags.password) profile.password = flags.password;
    if (flags["tls-ca"]) profile.tlsCa = flags["tls-ca"];
    if (flags["tls-cert"]) profile.tlsCert = flags["tls-cert"];
    if (flags["tls-key"]) profile.tlsKey = flags["tls-key"];
    file.profiles[name] = profile;
    if (flags.use || !file.current) file.current = name;
    writeProfiles(file);
    process.stdout.write(`saved profile ${name}${file.current === name ? " (current)" : ""} in ${profilesPath()}\n`);
  },
});

const use = defineCommand({
  name: "use",
  summary: "Make a profile the current one.",
  args: [{ name: "name", description: "a saved profile" }],
  flags: {},
  async run({ args }) {
    const { file, name } = savedProfile(args[0]);
    file.current = name;
    writeProfiles(file);
    process.stdout.write(`current profile: ${name}\n`);
  },
});

const list = defineCommand({
  name: "list",
  summary: "List the saved profiles (secrets are not shown).",
  flags: { json: { kind: "boolean", description: "print one JSON document" } },
  async run({ flags }) {
    const file = readProfiles();
    const rows = Object.entries(file.profiles).map(([name, p]) => ({
      name,
      current: name === file.current,
      broker: p.broker,
      auth: p.token || p.tokenFile ? "token" : p.username ? `user ${p.username}` : "none",
      tls: p.tlsCa || p.tlsCert ? "custom" : "default",
    }));
    if (flags.json) return void process.stdout.write(`${JSON.stringify(rows)}\n`);
    process.stdout.write(renderTable(["", "NAME", "BROKER", "AUTH", "TLS"], rows.map((r) => [r.current ? "*" : "", r.name, r.broker, r.auth, r.tls])));
  },
});

const remove = defineCommand({
  name: "delete",
  summary: "Delete a saved profile.",
  args: [{ name: "name", description: "a saved profile" }],
  flags: {},
  async run({ args }) {
    const { file, name } = savedProfile(args[0]);
    delete file.profiles[name];
    if (file.current === name) delete file.current;
    writeProfiles(file);
    process.stdout.write(`deleted profile ${name}\n`);
  },
});

export const profile: CommandGroup = {
  name: "profile",
  summary: "Named broker contexts (URL, credentials, TLS files): create, use, list, delete.",
  commands: [create, use, list, remove],
};
