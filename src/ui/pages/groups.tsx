// Consumer groups: every group with its state; one group's members, assignments, committed offsets and
// lag per partition (refreshed every 2 s); offsets reset and group deletion while the group is empty (the
// broker refuses both while members are joined).

import { useState } from "preact/hooks";
import type { RivuletClient } from "../../client/index.js";
import { href } from "../routes.js";
import { ConfirmDialog } from "../components/confirm.js";
import { Field, Outcome } from "../components/form.js";
import { usePoll } from "../components/hooks.js";
import { formatCount } from "../lib/format.js";

type ResetTo = "earliest" | "latest" | "offset" | "time";

function ResetForm(props: { client: RivuletClient; groupId: string; topics: string[]; onDone: () => void }) {
  const [topic, setTopic] = useState(props.topics[0] ?? "");
  const [to, setTo] = useState<ResetTo>("earliest");
  const [value, setValue] = useState("");
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const target = to === "offset" ? { offset: BigInt(value) } : to === "time" ? { timestamp: new Date(value).getTime() } : to;
      const result = await props.client.admin.resetOffsets(props.groupId, topic, target);
      setOutcome({ ok: `Reset ${topic}: ${result.map((r) => `${r.partition}→${r.offset}`).join(", ")}` });
      props.onDone();
    } catch (error) {
      setOutcome({ error: (error as Error).message });
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="reset-title">
      <h2 id="reset-title">Reset offsets</h2>
      <div class="row">
        <Field id="reset-topic" label="Topic">
          <input id="reset-topic" list="reset-topics" required value={topic} onInput={(e) => setTopic(e.currentTarget.value)} />
          <datalist id="reset-topics">
            {props.topics.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </Field>
        <Field id="reset-to" label="Reset to">
          <select id="reset-to" value={to} onChange={(e) => setTo(e.currentTarget.value as ResetTo)}>
            <option value="earliest">Earliest</option>
            <option value="latest">Latest</option>
            <option value="offset">Offset (every partition)</option>
            <option value="time">Time</option>
          </select>
        </Field>
        {to === "offset" ? (
          <Field id="reset-offset" label="Offset">
            <input id="reset-offset" type="number" min={0} required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          </Field>
        ) : null}
        {to === "time" ? (
          <Field id="reset-time" label="Time (local)">
            <input id="reset-time" type="datetime-local" step={1} required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          </Field>
        ) : null}
      </div>
      <button type="submit">Reset offsets</button>
      <Outcome {...outcome} />
    </form>
  );
}

function GroupDetail(props: { client: RivuletClient; groupId: string }) {
  const { client, groupId } = props;
  const group = usePoll(() => client.admin.describeGroup(groupId), 2000, [groupId]);
  const [deleting, setDeleting] = useState(false);
  const [outcome, setOutcome] = useState<{ ok?: string; error?: string }>({});
  const g = group.data;
  if (group.error && !g) return <Outcome error={group.error} />;
  if (!g) return <p role="status">Loading…</p>;
  const empty = g.members.length === 0;
  // The broker reports lag -1 where it cannot tell (no commit yet): unknown, not counted.
  const totalLag = g.offsets.reduce((n, o) => n + (o.lag > 0n ? o.lag : 0n), 0n);
  const topics = [...new Set(g.offsets.map((o) => o.topic))];
  return (
    <section aria-labelledby="group-title" data-group={groupId}>
      <h2 id="group-title">
        Group <span class="name">{groupId}</span>
      </h2>
      <p>
        State <strong class="group-state">{g.state}</strong> · protocol {g.protocolType || "–"}/{g.protocol || "–"} · total lag{" "}
        <strong class="group-lag" data-lag={String(totalLag)}>
          {formatCount(totalLag)}
        </strong>
      </p>
      <Outcome {...outcome} />
      <table>
        <caption>Members ({g.members.length})</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Client</th>
            <th scope="col">Host</th>
            <th scope="col">Assignment</th>
          </tr>
        </thead>
        <tbody>
          {g.members.map((m) => (
            <tr key={m.memberId}>
              <td>
                <code>{m.memberId}</code>
              </td>
              <td>{m.clientId}</td>
              <td>{m.host}</td>
              <td>{m.assignment.map((a) => `${a.topic}-${a.partition}`).join(", ") || "none"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="lag">
        <caption>Offsets and lag</caption>
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Partition</th>
            <th scope="col">Committed</th>
            <th scope="col">Log end</th>
            <th scope="col">Lag</th>
          </tr>
        </thead>
        <tbody>
          {g.offsets.map((o) => (
            <tr key={`${o.topic}-${o.partition}`} data-topic={o.topic} data-partition={o.partition}>
              <td>
                <a href={href("topic", o.topic)}>{o.topic}</a>
              </td>
              <td>{o.partition}</td>
              <td>{o.committed < 0n ? "none" : String(o.committed)}</td>
              <td>{String(o.logEndOffset)}</td>
              <td class="lag-value">{o.lag < 0n ? "unknown" : String(o.lag)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {empty ? (
        <>
          <ResetForm client={client} groupId={groupId} topics={topics} onDone={group.refresh} />
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            Delete group
          </button>
        </>
      ) : (
        <p class="hint">Offsets can be reset, and the group deleted, once it has no members.</p>
      )}
      {deleting ? (
        <ConfirmDialog
          title={`Delete group ${groupId}?`}
          message="Its committed offsets are removed."
          confirmText={groupId}
          actionLabel="Delete group"
          onCancel={() => setDeleting(false)}
          onConfirm={() => {
            setDeleting(false);
            client.admin.deleteGroup(groupId).then(
              () => (location.hash = href("groups")),
              (error: Error) => setOutcome({ error: error.message }),
            );
          }}
        />
      ) : null}
    </section>
  );
}

export function GroupsPage(props: { client: RivuletClient; selected?: string }) {
  const groups = usePoll(() => props.client.admin.listGroups(), 3000);
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Consumer groups</h1>
      {groups.error ? <Outcome error={groups.error} /> : null}
      {!groups.data ? (
        <p role="status">Loading…</p>
      ) : groups.data.length === 0 ? (
        <p>No consumer groups.</p>
      ) : (
        <table class="groups">
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">State</th>
              <th scope="col">Protocol type</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.map((g) => (
              <tr key={g.groupId}>
                <th scope="row">
                  <a href={href("groups", g.groupId)} aria-current={props.selected === g.groupId ? "true" : undefined}>
                    {g.groupId}
                  </a>
                </th>
                <td>{g.state}</td>
                <td>{g.protocolType}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.selected ? <GroupDetail key={props.selected} client={props.client} groupId={props.selected} /> : null}
    </section>
  );
}
