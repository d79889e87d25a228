// The Prometheus text exposition format (version 0.0.4), written strictly: every family appears once, as
// `# HELP`, `# TYPE`, then all of its samples together (a parser starts a new family whenever the name
// changes, so interleaving splits one family into many). Names and label names are checked against the
// format's grammar; label values and HELP text are escaped as it prescribes.

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type MetricType = "counter" | "gauge";
export type Labels = Record<string, string | number>;

interface Family {
  type: MetricType;
  help: string;
  samples: string[];
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number | bigint): string {
  if (typeof value === "bigint") return value.toString();
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

export class Exposition {
  private readonly families = new Map<string, Family>();

  /** Declares a family (idempotent; a second declaration must agree), so it is exposed even with no samples. */
  declare(name: string, type: MetricType, help: string): void {
    const known = this.families.get(name);
    if (known) {
      if (known.type !== type) throw new Error(`metric ${name} declared as ${known.type} and ${type}`);
      return;
    }
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (type === "counter" && !name.endsWith("_total")) throw new Error(`counter ${name} must end in _total`);
    this.families.set(name, { type, help, samples: [] });
  }

  /** Adds one sample to its family, wherever the family was first declared. */
  metric(name: string, type: MetricType, help: string, labels: Labels, value: number | bigint): void {
    this.declare(name, type, help);
    const parts: string[] = [];
    for (const [key, v] of Object.entries(labels)) {
      if (!LABEL_NAME.test(key) || key.startsWith("__")) throw new Error(`invalid label name ${JSON.stringify(key)} on ${name}`);
      parts.push(`${key}="${escapeLabelValue(String(v))}"`);
    }
    this.families.get(name)!.samples.push(`${name}${parts.length ? `{${parts.join(",")}}` : ""} ${formatValue(value)}`);
  }

  text(): string {
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`, ...family.samples);
    }
    return lines.join("\n") + "\n";
  }
}
