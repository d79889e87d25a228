// Topics: every topic with its partitions, offsets, record counts and retention; create (with configs),
// delete (typed confirmation), and each topic's configs, which can be set and removed (ALTER_TOPIC_CONFIGS).

import { useState } from "preact/hooks";
import type { RivuletClient, TopicInfo } from "../../client/index.js";
import { href } from "../routes.js";
import { ConfirmDialog } from "../components/confirm.js";
import { Field, Outcome, parseConfigs } from "../components/form.js";
import { usePoll } from "../components/hooks.js";
import { formatBytes, formatCount, formatMs } from "../lib/format.js";
import { parseMetrics, total } from "../lib/prometheus.js";
import { brokerFetch, type Settings } from "../lib/settings.js";

function config(info: TopicInfo, name: string): string | undefined {
  return info.configs.find((c) => c.name === name)?.value;
}

export function retentionText(info: TopicInfo): string {
  const ms = config(info, "retention.ms");
  const bytes = config(info, "retention.bytes");
  const parts: string[] = [];
  if (ms !== undefined) parts.push(Number(ms) < 0 ? "forever" : formatMs(ms));
  if (bytes !== undefined && Number(bytes) >= 0) parts.push(formatBytes(Number(bytes)) + "/partition");
  const policy = config(info, "cleanup.policy");
  if (policy && policy !== "delete") parts.push(policy);
  return parts.join(", ") || "default";
}

/** Bytes on disk over the topic's partitions (describeTopic with sizes). */
export function diskSize(info: TopicInfo): number {
  return info.partitions.reduce((n, p) => n + (p.sizeBytes ?? 0), 0);
}

export function recordCount(info: { partitions: { logStartOffset: bigint; logEndOffset: bigint }[] }): bigint {
  return info.partitions.reduce((n, p) => n + (p.logEndOffset - p.logStartOffset), 0n);
}

function CreateTopic(props: { client: RivuletClient; onCreated: () => void }) {
  const [name, setName] = useState("");
  const [partitions, setPartitions] = useState("1");
  const [configs, setConfigs] = useState("");
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await props.client.admin.createTopic(name.trim(), { partitions: Number(partitions), configs: parseConfigs(configs) });
      setOutcome({ ok: `Created ${name.trim()}` });
      setName("");
      props.onCreated();
    } catch (error) {
      setOutcome({ error: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="create-topic-title">
      <h2 id="create-topic-title">Create a topic</h2>
      <div class="row">
        <Field id="topic-name" label="Name">
          <input id="topic-name" required value={name} pattern="[a-zA-Z0-9._\-]+" onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field id="topic-partitions" label="Partitions">
          <input id="topic-partitions" type="number" min={1} max={10000} required value={partitions} onInput={(e) => setPartitions(e.currentTarget.value)} />
        </Field>
      </div>
      <Field id="topic-configs" label="Configs" hint="One name=value a line, e.g. retention.ms=86400000">
        <textarea id="topic-configs" rows={3} aria-describedby="topic-configs-hint" value={configs} onInput={(e) => setConfigs(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={busy}>
        Create topic
      </button>
      <Outcome {...outcome} />
    </form>
  );
}

function Configs(props: { info: TopicInfo; client: RivuletClient; onChanged: () => void }) {
  const id = `alter-${props.info.name}`;
  const [set, setSet] = useState("");
  const [remove, setRemove] = useState("");
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const [busy, setBusy] = useState(false);
  const apply = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const removed = remove.split(/[\s,]+/).map((n) => n.trim()).filter(Boolean);
      await props.client.admin.alterTopicConfigs(props.info.name, { set: parseConfigs(set), remove: removed });
      setOutcome({ ok: `Configs of ${props.info.name} changed` });
      setSet("");
      setRemove("");
      props.onChanged();
    } catch (error) {
      setOutcome({ error: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <details>
      <summary>Configs ({props.info.configs.filter((c) => !c.isDefault).length} set)</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {props.info.configs.map((c) => (
            <tr key={c.name}>
              <td>
                <code>{c.name}</code>
              </td>
              <td>{c.value}</td>
              <td>{c.isDefault ? "default" : "topic"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={apply} aria-label={`Change ${props.info.name}`}>
        <Field id={`${id}-set`} label="Set" hint="One name=value a line">
          <textarea id={`${id}-set`} rows={2} aria-describedby={`${id}-set-hint`} value={set} onInput={(e) => setSet(e.currentTarget.value)} />
        </Field>
        <Field id={`${id}-remove`} label="Remove (back to the default)" hint="Config names, space- or comma-separated">
          <input id={`${id}-remove`} aria-describedby={`${id}-remove-hint`} value={remove} onInput={(e) => setRemove(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={busy || (!set.trim() && !remove.trim())}>
          Apply
        </button>
        <Outcome {...outcome} />
      </form>
    </details>
  );
}

export function TopicsPage(props: { client: RivuletClient; settings: Settings }) {
  const { client } = props;
  const [showInternal, setShowInternal] = useState(false);
  // Bytes appended per topic since the broker started, from /metrics (retention not subtracted); the size on
  // disk comes with each topic's description.
  const metrics = usePoll(async () => parseMetrics(await (await brokerFetch(props.settings, "/metrics")).text()), 3000, [props.settings]);
  const topics = usePoll(async () => {
    const names = await client.admin.listTopics();
    const infos = await Promise.all(names.sort().map((n) => client.admin.describeTopic(n, { sizes: true }).catch(() => undefined)));
    return infos.filter((t): t is TopicInfo => t !== undefined);
  }, 3000);
  const [deleting, setDeleting] = useState<string>();
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});

  const remove = async (name: string) => {
    setDeleting(undefined);
    try {
      await client.admin.deleteTopic(name);
      setOutcome({ ok: `Deleted ${name}` });
    } catch (error) {
      setOutcome({ error: (error as Error).message });
    }
    topics.refresh();
  };

  return (
    <section aria-labelledby="topics-title">
      <h1 id="topics-title">Topics</h1>
      <Outcome {...outcome} />
      {topics.error ? <Outcome error={topics.error} /> : null}
      <div class="field check">
        <input id="show-internal" type="checkbox" checked={showInternal} onChange={(e) => setShowInternal(e.currentTarget.checked)} />
        <label for="show-internal">Show internal topics (__consumer_offsets, …)</label>
      </div>
      {!topics.data ? (
        <p role="status">Loading…</p>
      ) : topics.data.length === 0 ? (
        <p>No topics yet.</p>
      ) : (
        <table class="topics">
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col">Partitions</th>
              <th scope="col">Records</th>
              <th scope="col">Offsets (start–end per partition)</th>
              <th scope="col">Size on disk</th>
              <th scope="col">Bytes appended</th>
              <th scope="col">Retention</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {topics.data.filter((t) => showInternal || !t.name.startsWith("__")).map((t) => (
              <tr key={t.name} data-topic={t.name}>
                <th scope="row">
                  <a href={href("topic", t.name)}>{t.name}</a>
                  <Configs info={t} client={client} onChanged={topics.refresh} />
                </th>
                <td>{t.partitions.length}</td>
                <td>{formatCount(recordCount(t))}</td>
                <td class="offsets">
                  {t.partitions.slice(0, 8).map((p) => (
                    <span key={p.partition} title={`partition ${p.partition}`}>
                      {p.partition}: {String(p.logStartOffset)}–{String(p.logEndOffset)}
                    </span>
                  ))}
                  {t.partitions.length > 8 ? <span>… {t.partitions.length - 8} more</span> : null}
                </td>
                <td data-size={diskSize(t)} title="the partitions' log segments, after retention and compaction">{formatBytes(diskSize(t))}</td>
                <td title="since the broker started">{metrics.data ? formatBytes(total(metrics.data, "rivulet_produced_bytes_total", { topic: t.name })) : "–"}</td>
                <td>{retentionText(t)}</td>
                <td class="actions">
                  <a class="button" href={href("produce", undefined, { topic: t.name })}>
                    Produce
                  </a>
                  <button type="button" class="danger" aria-label={`Delete topic ${t.name}`} onClick={() => setDeleting(t.name)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CreateTopic client={client} onCreated={topics.refresh} />
      {deleting ? (
        <ConfirmDialog
          title={`Delete topic ${deleting}?`}
          message="Its partitions and every record in them are removed for good; consumers of it get an error."
          confirmText={deleting}
          actionLabel="Delete topic"
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(undefined)}
        />
      ) : null}
    </section>
  );
}
