// The tail's window as a virtual list: a fixed row height, and only the rows in view (plus a margin) are
// in the DOM, so 500 records cost as little to re-render as 30, however fast they arrive. Newest first.
// Arrow keys move the selection; Enter/click opens a record's detail.

import { useEffect, useRef, useState } from "preact/hooks";
import type { TailRow } from "../lib/tail.js";
import { bytesText, formatTime } from "../lib/format.js";

const ROW = 28;
const MARGIN = 6;

function preview(bytes: Uint8Array | null, max = 160): string {
  if (bytes === null) return "null";
  const text = bytesText(bytes.length > max * 4 ? bytes.subarray(0, max * 4) : bytes);
  return text.length > max ? text.slice(0, max) + "…" : text;
}

export function RecordList(props: { rows: TailRow[]; selected?: number; onSelect: (row: TailRow) => void; height?: number }) {
  const height = props.height ?? 420;
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const rows = props.rows;
  const n = rows.length;
  const first = Math.max(0, Math.floor(scrollTop / ROW) - MARGIN);
  const last = Math.min(n, Math.ceil((scrollTop + height) / ROW) + MARGIN);
  const visible: TailRow[] = [];
  // rows are oldest first; display index i is rows[n - 1 - i].
  for (let i = first; i < last; i++) visible.push(rows[n - 1 - i]!);
  const selectedIndex = props.selected === undefined ? -1 : n - 1 - rows.findIndex((r) => r.seq === props.selected);

  useEffect(() => {
    const el = box.current;
    if (!el || selectedIndex < 0 || selectedIndex >= n) return;
    const top = selectedIndex * ROW;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW > el.scrollTop + height) el.scrollTop = top + ROW - height;
  }, [props.selected]);

  const onKey = (e: KeyboardEvent) => {
    if (n === 0) return;
    let index = selectedIndex < 0 || selectedIndex >= n ? 0 : selectedIndex;
    if (e.key === "ArrowDown") index = Math.min(n - 1, index + 1);
    else if (e.key === "ArrowUp") index = Math.max(0, index - 1);
    else if (e.key === "Home") index = 0;
    else if (e.key === "End") index = n - 1;
    else return;
    e.preventDefault();
    props.onSelect(rows[n - 1 - index]!);
  };

  return (
    <div class="records" role="grid" aria-label="Records, newest first" aria-rowcount={n} tabIndex={0} onKeyDown={onKey}>
      <div class="records-head" role="row">
        <span role="columnheader">Partition</span>
        <span role="columnheader">Offset</span>
        <span role="columnheader">Timestamp</span>
        <span role="columnheader">Key</span>
        <span role="columnheader">Value</span>
        <span role="columnheader">Headers</span>
      </div>
      <div ref={box} class="records-body" style={{ height: `${height}px` }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ height: `${n * ROW}px`, position: "relative" }}>
          {visible.map((row, k) => {
            const r = row.record;
            const index = first + k;
            return (
              <div
                key={row.seq}
                role="row"
                aria-rowindex={index + 1}
                aria-selected={row.seq === props.selected}
                class={`record${row.seq === props.selected ? " selected" : ""}`}
                style={{ top: `${index * ROW}px` }}
                data-offset={String(r.offset)}
                data-partition={r.partition}
                onClick={() => props.onSelect(row)}
              >
                <span role="gridcell">{r.partition}</span>
                <span role="gridcell">{String(r.offset)}</span>
                <span role="gridcell">{formatTime(r.timestamp)}</span>
                <span role="gridcell" class="key">{r.key === null ? "null" : preview(r.key, 40)}</span>
                <span role="gridcell" class="value">{preview(r.value)}</span>
                <span role="gridcell">{r.headers.length || ""}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
