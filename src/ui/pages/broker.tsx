// The broker: live throughput and connections charted from its own /metrics (scraped every second, rates
// from counter deltas), the shards' task queues, and each partition's storage state.

import { useEffect, useState } from "preact/hooks";
import type { RivuletClient } from "../../client/index.js";
import { Chart } from "../components/chart.js";
import { Outcome } from "../components/form.js";
import { usePoll } from "../components/hooks.js";
import { formatBytes, formatCount } from "../lib/format.js";
import { parseMetrics, rate, total, type Sample } from "../lib/prometheus.js";
import { brokerFetch, type Settings } from "../lib/settings.js";

const POINTS = 120;

interface History {
  t: number[];
  recordsIn: number[];
  bytesIn: number[];
  bytesOut: number[];
  connections: number[];
}

interface Scrape {
  at: number;
  samples: Sample[];
}

const empty = (): History => ({ t: [], recordsIn: [], bytesIn: [], bytesOut: [], connections: [] });

function push(h: History, point: { t: number; recordsIn: number; bytesIn: number; bytesOut: number; connections: number }): History {
  const out = empty();
  for (const key of Object.keys(out) as (keyof History)[]) out[key] = [...h[key], point[key]].slice(-POINTS);
  return out;
}

export function BrokerPage(props: { client: RivuletClient; settings: Settings }) {
  const [history, setHistory] = useState(empty);
  const [last, setLast] = useState<Scrape>();
  const [error, setError] = useState<string>();
  const meta = usePoll(() => props.client.admin.metadata(), 2000);

  useEffect(() => {
    let previous: Scrape | undefined;
    let live = true;
    const scrape = async () => {
      try {
        const response = await brokerFetch(props.settings, "/metrics");
        if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
        const now: Scrape = { at: Date.now(), samples: parseMetrics(await response.text()) };
        if (!live) return;
        if (previous) {
          const seconds = (now.at - previous.at) / 1000;
          const r = (name: string) => rate(total(previous!.samples, name), total(now.samples, name), seconds);
          setHistory((h) =>
            push(h, {
              t: now.at / 1000,
              recordsIn: r("rivulet_produced_records_total"),
              bytesIn: r("rivulet_produced_bytes_total"),
              bytesOut: r("rivulet_fetched_bytes_total"),
              connections: total(now.samples, "rivulet_connections"),
            }),
          );
        }
        previous = now;
        setLast(now);
        setError(undefined);
      } catch (e) {
        if (live) setError((e as Error).message);
      }
    };
    void scrape();
    const timer = setInterval(scrape, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [props.settings]);

  const shards = (last?.samples ?? []).filter((s) => s.name === "rivulet_shard_tasks_in_flight");
  const queue = (shard: string) => total(last?.samples ?? [], "rivulet_shard_queue_depth", { shard });
  const produced = (topic: string, partition: number) => total(last?.samples ?? [], "rivulet_produced_bytes_total", { topic, partition: String(partition) });
  const latest = (a: number[]) => a[a.length - 1] ?? 0;

  return (
    <section aria-labelledby="broker-title">
      <h1 id="broker-title">Broker</h1>
      <p>
        {props.client.connection.server.version || "rivulet"} · frames up to {formatBytes(props.client.connection.server.maxFrameBytes)} · {props.client.connection.server.maxSubscriptions} subscriptions
        per connection
      </p>
      <Outcome error={error} />
      <p class="now" role="status" aria-live="off">
        Now: <strong data-metric="records-in">{formatCount(latest(history.recordsIn))}</strong> records/s in ·{" "}
        <strong>{formatBytes(latest(history.bytesIn))}/s</strong> in · <strong>{formatBytes(latest(history.bytesOut))}/s</strong> out ·{" "}
        <strong data-metric="connections">{latest(history.connections)}</strong> connections
      </p>
      <div class="charts">
        <Chart title="Records/s in" series={[{ label: "produced", color: "#2f80ed" }]} data={[history.t, history.recordsIn]} format={(v) => formatCount(v)} />
        <Chart
          title="Bytes/s"
          series={[
            { label: "in (produced)", color: "#2f80ed" },
            { label: "out (fetched)", color: "#27ae60" },
          ]}
          data={[history.t, history.bytesIn, history.bytesOut]}
          format={(v) => formatBytes(v)}
        />
        <Chart title="Connections" series={[{ label: "WebSocket", color: "#9b51e0" }]} data={[history.t, history.connections]} />
      </div>
      <p class="hint">Records/s out is not charted: the broker's metrics count fetched bytes, not fetched records.</p>

      <table class="shards">
        <caption>Shards</caption>
        <thead>
          <tr>
            <th scope="col">Shard</th>
            <th scope="col">Tasks in flight</th>
            <th scope="col">Queued</th>
          </tr>
        </thead>
        <tbody>
          {shards.map((s) => (
            <tr key={s.labels.shard}>
              <td>{s.labels.shard}</td>
              <td>{s.value}</td>
              <td>{queue(s.labels.shard ?? "")}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <table class="storage">
        <caption>Storage (per partition)</caption>
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Partition</th>
            <th scope="col">Log start</th>
            <th scope="col">Log end</th>
            <th scope="col">Records retained</th>
            <th scope="col">Bytes appended since start</th>
          </tr>
        </thead>
        <tbody>
          {(meta.data ?? []).flatMap((t) =>
            t.partitions.map((p) => (
              <tr key={`${t.name}-${p.partition}`}>
                <td>{t.name}</td>
                <td>{p.partition}</td>
                <td>{String(p.logStartOffset)}</td>
                <td>{String(p.logEndOffset)}</td>
                <td>{formatCount(p.logEndOffset - p.logStartOffset)}</td>
                <td>{formatBytes(produced(t.name, p.partition))}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}
