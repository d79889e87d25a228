// Produce one record (key, value, headers, partition) and show where it was stored. acks=all and no
// linger: the offset shown is the one the broker acknowledged.

import { useEffect, useMemo, useState } from "preact/hooks";
import type { RecordMetadata, RivuletClient } from "../../client/index.js";
import { href } from "../routes.js";
import { Field, Outcome } from "../components/form.js";
import { usePoll } from "../components/hooks.js";
import { parseHeaders } from "../lib/format.js";

export function ProducePage(props: { client: RivuletClient; initialTopic?: string }) {
  const { client } = props;
  const producer = useMemo(() => client.producer({ lingerMs: 0, acks: "all" }), [client]);
  const topics = usePoll(() => client.admin.metadata(), 0);
  const [topic, setTopic] = useState(props.initialTopic ?? "");
  const [partition, setPartition] = useState("auto");
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [headers, setHeaders] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ meta?: RecordMetadata; error?: string }>({});

  useEffect(() => {
    if (!topic && topics.data?.[0]) setTopic(topics.data[0].name);
  }, [topics.data]);
  const partitions = topics.data?.find((t) => t.name === topic)?.partitions ?? [];

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const meta = await producer.send({
        topic,
        partition: partition === "auto" ? undefined : Number(partition),
        key: key === "" ? null : key,
        value,
        headers: parseHeaders(headers),
      });
      setResult({ meta });
    } catch (error) {
      setResult({ error: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="produce-title">
      <h1 id="produce-title">Produce</h1>
      <form class="card" onSubmit={submit}>
        <div class="row">
          <Field id="produce-topic" label="Topic">
            <select id="produce-topic" required value={topic} onChange={(e) => (setTopic(e.currentTarget.value), setPartition("auto"))}>
              {(topics.data ?? []).map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id="produce-partition" label="Partition">
            <select id="produce-partition" value={partition} onChange={(e) => setPartition(e.currentTarget.value)}>
              <option value="auto">By key (or sticky when no key)</option>
              {partitions.map((p) => (
                <option key={p.partition} value={String(p.partition)}>
                  {p.partition}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field id="produce-key" label="Key" hint="Empty for a null key">
          <input id="produce-key" aria-describedby="produce-key-hint" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </Field>
        <Field id="produce-value" label="Value">
          <textarea id="produce-value" rows={6} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <Field id="produce-headers" label="Headers" hint="One name=value a line">
          <textarea id="produce-headers" rows={2} aria-describedby="produce-headers-hint" value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={busy || !topic}>
          Send
        </button>
        <Outcome
          error={result.error}
          ok={
            result.meta ? (
              <span class="produced" data-partition={result.meta.partition} data-offset={String(result.meta.offset)}>
                Stored in {result.meta.topic} partition {result.meta.partition} at offset {String(result.meta.offset)} ·{" "}
                <a href={href("topic", result.meta.topic, { partition: String(result.meta.partition), from: "offset", offset: String(result.meta.offset) })}>view it</a>
              </span>
            ) : undefined
          }
        />
      </form>
    </section>
  );
}
