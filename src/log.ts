// Structured logging: one JSON object per line, quiet by default (warnings and errors only), so an edge
// box's journal holds what an operator must see and nothing else. Components take a Logger, never print.

export type LogLevel = "debug" | "info" | "warn" | "error";
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}

export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; fields?: LogFields } = {},
): Logger {
  const min = rank[options.level ?? "warn"];
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const base = options.fields ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[level] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }, jsonSafe));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that records entries in memory (tests) and prints nothing. */
export function memoryLogger(): Logger & { entries: Array<LogFields & { level: LogLevel; msg: string }> } {
  const entries: Array<LogFields & { level: LogLevel; msg: string }> = [];
  const make = (base: LogFields): Logger => ({
    debug: (msg, fields) => void entries.push({ level: "debug", msg, ...base, ...fields }),
    info: (msg, fields) => void entries.push({ level: "info", msg, ...base, ...fields }),
    warn: (msg, fields) => void entries.push({ level: "warn", msg, ...base, ...fields }),
    error: (msg, fields) => void entries.push({ level: "error", msg, ...base, ...fields }),
    child: (fields) => make({ ...base, ...fields }),
  });
  return Object.assign(make({}), { entries });
}
