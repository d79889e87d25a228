// Where the console connects and the token it presents (the seam for a login step: see docs/console.md).
import { useState } from "preact/hooks";
import { Field } from "../components/form.js";
import type { Settings } from "../lib/settings.js";

export function SettingsPage(props: { settings: Settings; status: string; onSave: (s: Settings) => void }) {
  const [brokerUrl, setBrokerUrl] = useState(props.settings.brokerUrl);
  const [token, setToken] = useState(props.settings.token);
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSave({ brokerUrl: brokerUrl.trim(), token: token.trim() });
        }}
      >
        <Field id="settings-url" label="Broker URL" hint={`Empty: this page's own broker (${location.origin}). Another broker must allow this origin for /metrics.`}>
          <input id="settings-url" type="url" placeholder={location.origin} aria-describedby="settings-url-hint" value={brokerUrl} onInput={(e) => setBrokerUrl(e.currentTarget.value)} />
        </Field>
        <Field id="settings-token" label="Access token (optional)" hint="Sent in the WebSocket AUTH frame (a JWT) and as a bearer header to /metrics; kept for this browser session only.">
          <input id="settings-token" type="password" autocomplete="off" aria-describedby="settings-token-hint" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </Field>
        <button type="submit">Save and reconnect</button>
        <p role="status">Connection: {props.status}</p>
      </form>
    </section>
  );
}
