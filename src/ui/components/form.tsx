// Labelled form fields (every control has a visible <label>) and the result/error line under a form.
import type { ComponentChildren } from "preact";

let nextId = 0;
const ids = new WeakMap<object, string>();
export function fieldId(owner: object, name: string): string {
  if (!ids.has(owner)) ids.set(owner, `f${++nextId}`);
  return `${ids.get(owner)}-${name}`;
}

export function Field(props: { id: string; label: string; hint?: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

export function Outcome(props: { ok?: string | ComponentChildren; error?: string }) {
  if (props.error)
    return (
      <p class="error" role="alert">
        {props.error}
      </p>
    );
  if (props.ok)
    return (
      <p class="ok" role="status">
        {props.ok}
      </p>
    );
  return null;
}

/** k=v lines to a record of strings. */
export function parseConfigs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new Error(`config line "${trimmed}" is not name=value`);
    out[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return out;
}
