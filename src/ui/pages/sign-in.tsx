// Shown when the console cannot connect: retry, or present an access token (the login step a broker with
// authentication needs; it accepts a token today, see docs/console.md for what obtaining one still needs).
import { useState } from "preact/hooks";
import { href } from "../routes.js";
import { Field } from "../components/form.js";
import type { Settings } from "../lib/settings.js";

export function SignIn(props: { message: string; settings: Settings; onRetry: () => void; onSave: (s: Settings) => void }) {
  const [token, setToken] = useState(props.settings.token);
  return (
    <section aria-labelledby="signin-title">
      <h1 id="signin-title">Not connected</h1>
      <p role="alert" class="error">
        Cannot reach the broker: {props.message}
      </p>
      <p>
        <button type="button" onClick={props.onRetry}>
          Retry
        </button>{" "}
        or check the <a href={href("settings")}>settings</a> (broker URL).
      </p>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSave({ ...props.settings, token: token.trim() });
        }}
      >
        <h2>Sign in with a token</h2>
        <Field id="signin-token" label="Access token" hint="Kept for this browser session only.">
          <input id="signin-token" type="password" autocomplete="off" aria-describedby="signin-token-hint" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </Field>
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
