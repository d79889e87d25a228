// One topic: its partitions, and a live tail with jump-to-offset/time, filters and value views. The tail's
// records come through the client's consumer (see lib/tail.ts for the bounded window and credit); the page
// re-renders at most once per animation frame, whatever the record rate.

import { useEffect, useRef, useState } from "preact/hooks";
import type { RivuletClient, StartFrom } from "../../client/index.js";
import { href } from "../routes.js";
import { Field } from "../components/form.js";
import { usePoll } from "../components/hooks.js";
import { RecordList } from "../components/record-list.js";
import { bytesText, formatBytes, formatCount, formatTime, renderValue, type ValueView } from "../lib/format.js";
import { LiveTail, type TailFilter, type TailRow, type TailStats } from "../lib/tail.js";

type StartKind = "latest" | "earliest" | "offset" | "time";

interface TailConfig {
  partition: string;
  start: StartKind;
  offset: string;
  time: string;
  follow: boolean;
  filter: TailFilter;
}

function startFrom(config: TailConfig): StartFrom {
  if (config.start === "offset") return { offset: BigInt(config.offset || "0") };
  if (config.start === "time") return { timestamp: new Date(config.time).getTime() };
  return config.start;
}

function Detail(props: { row: TailRow; view: ValueView }) {
  const r = props.row.record;
  return (
    <section class="card detail" aria-labelledby="detail-title">
      <h2 id="detail-title">
        Partition {r.partition}, offset {String(r.offset)}
      </h2>
      <dl>
        <dt>Timestamp</dt>
        <dd>
          {formatTime(r.timestamp)} ({r.timestamp})
        </dd>
        <dt>Key</dt>
        <dd>
          <pre>{r.key === null ? "null" : renderValue(r.key, props.view === "json" ? "text" : props.view)}</pre>
        </dd>
        <dt>Headers</dt>
        <dd>
          {r.headers.length === 0 ? (
            "none"
          ) : (
            <table>
              <tbody>
                {r.headers.map((h, i) => (
                  <tr key={i}>
                    <th scope="row">{h.key}</th>
                    <td>
                      <code>{h.value === null ? "null" : bytesText(h.value)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </dd>
        <dt>Value ({r.value === null ? "null" : `${r.value.length} bytes`})</dt>
        <dd>
          <pre class="value-full">{renderValue(r.value, props.view)}</pre>
        </dd>
      </dl>
    </section>
  );
}

export function TopicPage(props: { client: RivuletClient; topic: string; query: URLSearchParams }) {
  const { client, topic } = props;
  // describeTopic with sizes: offsets and each partition's bytes on disk (the console's broker has the flag).
  const meta = usePoll(() => client.admin.describeTopic(topic, { sizes: true }), 2000, [topic]);
  const [config, setConfig] = useState<TailConfig>(() => ({
    partition: props.query.get("partition") ?? "all",
    start: (props.query.get("from") as StartKind | null) ?? "latest",
    offset: props.query.get("offset") ?? "0",
    time: "",
    follow: true,
    filter: {},
  }));
  const [draft, setDraft] = useState(config);
  const [view, setView] = useState<ValueView>("text");
  const [paused, setPaused] = useState(false);
  const [selected, setSelected] = useState<TailRow>();
  const [frame, setFrame] = useState<{ rows: TailRow[]; stats: TailStats }>({ rows: [], stats: { received: 0, matched: 0, filteredOut: 0, skipped: 0, shown: 0, heldBytes: 0, state: "starting" } });
  const tailRef = useRef<LiveTail>();

  useEffect(() => {
    let scheduled = 0;
    const render = () => {
      scheduled = 0;
      const tail = tailRef.current;
      if (tail) setFrame({ rows: tail.rows(), stats: tail.stats() });
    };
    // Coalesce every change between two frames into one render.
    const onChange = () => {
      if (!scheduled) scheduled = requestAnimationFrame(render);
    };
    let tail: LiveTail;
    try {
      tail = new LiveTail(client, { topic, partition: config.partition === "all" ? undefined : Number(config.partition), from: startFrom(config), follow: config.follow, filter: config.filter }, onChange);
    } catch (error) {
      setFrame((f) => ({ rows: [], stats: { ...f.stats, state: "error", error: (error as Error).message } }));
      return;
    }
    tail.setPaused(paused);
    tailRef.current = tail;
    onChange();
    return () => {
      cancelAnimationFrame(scheduled);
      void tail.stop();
      tailRef.current = undefined;
    };
  }, [client, topic, config]);

  useEffect(() => tailRef.current?.setPaused(paused), [paused]);

  const apply = (e: Event) => {
    e.preventDefault();
    setSelected(undefined);
    setPaused(false);
    setConfig({ ...draft, filter: { ...draft.filter } });
  };
  const set = <K extends keyof TailConfig>(key: K, value: TailConfig[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const setFilter = (key: keyof TailFilter, value: string) => setDraft((d) => ({ ...d, filter: { ...d.filter, [key]: value || undefined } }));
  const s = frame.stats;
  const partitions = meta.data?.partitions ?? [];

  return (
    <section aria-labelledby="topic-title">
      <h1 id="topic-title">
        Topic <span class="name">{topic}</span>
      </h1>
      <p>
        <a href={href("topics")}>All topics</a> · <a href={href("produce", undefined, { topic })}>Produce to {topic}</a>
      </p>
      {meta.error ? <p class="error" role="alert">{meta.error}</p> : null}
      <table class="partitions">
        <caption>Partitions</caption>
        <thead>
          <tr>
            <th scope="col">Partition</th>
            <th scope="col">Log start</th>
            <th scope="col">Log end</th>
            <th scope="col">Records</th>
            <th scope="col">Size on disk</th>
          </tr>
        </thead>
        <tbody>
          {partitions.map((p) => (
            <tr key={p.partition}>
              <td>{p.partition}</td>
              <td>{String(p.logStartOffset)}</td>
              <td>{String(p.logEndOffset)}</td>
              <td>{formatCount(p.logEndOffset - p.logStartOffset)}</td>
              <td data-size={p.sizeBytes}>{p.sizeBytes === undefined ? "–" : formatBytes(p.sizeBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <form class="card tail-controls" onSubmit={apply} aria-labelledby="tail-title">
        <h2 id="tail-title">Live tail</h2>
        <div class="row">
          <Field id="tail-partition" label="Partition">
            <select id="tail-partition" value={draft.partition} onChange={(e) => set("partition", e.currentTarget.value)}>
              <option value="all">All</option>
              {partitions.map((p) => (
                <option key={p.partition} value={String(p.partition)}>
                  {p.partition}
                </option>
              ))}
            </select>
          </Field>
          <Field id="tail-start" label="Start at">
            <select id="tail-start" value={draft.start} onChange={(e) => set("start", e.currentTarget.value as StartKind)}>
              <option value="latest">Latest (new records)</option>
              <option value="earliest">Earliest</option>
              <option value="offset">Offset</option>
              <option value="time">Time</option>
            </select>
          </Field>
          {draft.start === "offset" ? (
            <Field id="tail-offset" label="Offset">
              <input id="tail-offset" type="number" min={0} required value={draft.offset} onInput={(e) => set("offset", e.currentTarget.value)} />
            </Field>
          ) : null}
          {draft.start === "time" ? (
            <Field id="tail-time" label="Time (local)">
              <input id="tail-time" type="datetime-local" step={1} required value={draft.time} onInput={(e) => set("time", e.currentTarget.value)} />
            </Field>
          ) : null}
          <div class="field check">
            <input id="tail-follow" type="checkbox" checked={draft.follow} onChange={(e) => set("follow", e.currentTarget.checked)} />
            <label for="tail-follow">Follow (keep the newest {500})</label>
          </div>
        </div>
        <div class="row">
          <Field id="filter-key" label="Key contains">
            <input id="filter-key" value={draft.filter.key ?? ""} onInput={(e) => setFilter("key", e.currentTarget.value)} />
          </Field>
          <Field id="filter-header" label="Header (name or name=value)">
            <input id="filter-header" value={draft.filter.header ?? ""} onInput={(e) => setFilter("header", e.currentTarget.value)} />
          </Field>
          <Field id="filter-text" label="Value contains">
            <input id="filter-text" value={draft.filter.text ?? ""} onInput={(e) => setFilter("text", e.currentTarget.value)} />
          </Field>
        </div>
        <div class="row">
          <button type="submit">Apply</button>
          <button type="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
            {paused ? "Resume" : "Pause"}
          </button>
          {s.state === "full" ? (
            <button type="button" onClick={() => tailRef.current?.nextWindow()}>
              Next {500} records
            </button>
          ) : null}
          <fieldset class="segmented">
            <legend>Show values as</legend>
            {(["text", "json", "hex"] as const).map((v) => (
              <label key={v}>
                <input type="radio" name="value-view" value={v} checked={view === v} onChange={() => setView(v)} /> {v === "json" ? "JSON" : v === "hex" ? "Hex" : "Text"}
              </label>
            ))}
          </fieldset>
        </div>
      </form>

      <p class="tail-stats" role="status" aria-live="off" data-state={s.state} data-received={s.received} data-skipped={s.skipped} data-shown={s.shown}>
        <strong>{s.state}</strong> · received {formatCount(s.received)} · showing {s.shown} (window 500) · skipped {formatCount(s.skipped)}
        {s.filteredOut ? ` · filtered out ${formatCount(s.filteredOut)}` : ""}
        {s.error ? <span class="error"> · {s.error}</span> : null}
      </p>
      <div class="tail">
        <RecordList rows={frame.rows} selected={selected?.seq} onSelect={setSelected} />
        {selected ? <Detail row={selected} view={view} /> : <p class="hint">Select a record (click, or arrow keys in the list) to see its key, headers and value.</p>}
      </div>
    </section>
  );
}
