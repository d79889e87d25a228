// Shown when the console is not connected: it could not reach the broker, the broker refused it (a broker
// with --require-auth wants an AUTH first), or the user signed out. Sign in with a user name and password
// (SCRAM-SHA-256/512 over the page's WebCrypto, or PLAIN: the broker's users, `rivulet users add`), kept
// in memory only; or with an access token from an identity provider (kept for the browser session).
import { useState } from "preact/hooks";
import { href } from "../routes.js";
import { Field } from "../components/form.js";
import { MECHANISMS, type Credentials, type Settings } from "../lib/settings.js";

export function SignIn(props: {
  message: string;
  /** The user signed out: say so instead of an error. */
  signedOut?: boolean;
  /** The user name last tried, to fill the form again after a refusal. */
  lastUser?: string;
  settings: Settings;
  onRetry: () => void;
  onSave: (s: Settings) => void;
  onSignIn: (c: Credentials) => void;
}) {
  const [token, setToken] = useState(props.settings.token);
  const [username, setUsername] = useState(props.lastUser ?? "");
  const [password, setPassword] = useState("");
  const [mechanism, setMechanism] = useState<Credentials["mechanism"]>("SCRAM-SHA-256");
  return (
    <section aria-labelledby="signin-title">
      <h1 id="signin-title">{props.signedOut ? "Signed out" : "Not connected"}</h1>
      {props.signedOut ? (
        <p role="status">You signed out: the console holds no credentials now.</p>
      ) : (
        <p role="alert" class="error">
          Cannot reach the broker: {props.message}
        </p>
      )}
      <p>
        <button type="button" onClick={props.onRetry}>
          {props.signedOut ? "Continue without signing in" : "Retry"}
        </button>{" "}
        or check the <a href={href("settings")}>settings</a> (broker URL).
      </p>
      <form
        class="card"
        aria-labelledby="signin-user-title"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSignIn({ username: username.trim(), password, mechanism });
          setPassword("");
        }}
      >
        <h2 id="signin-user-title">Sign in with a user</h2>
        <div class="row">
          <Field id="signin-username" label="User name">
            <input id="signin-username" required autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
          </Field>
          <Field id="signin-password" label="Password" hint="Kept in this page's memory only, until you sign out or close it.">
            <input id="signin-password" type="password" required autocomplete="current-password" aria-describedby="signin-password-hint" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </Field>
          <Field id="signin-mechanism" label="Mechanism">
            <select id="signin-mechanism" value={mechanism} onChange={(e) => setMechanism(e.currentTarget.value as Credentials["mechanism"])}>
              {MECHANISMS.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <button type="submit">Sign in</button>
      </form>
      <form
        class="card"
        aria-labelledby="signin-token-title"
        onSubmit={(e) => {
          e.preventDefault();
          props.onSave({ ...props.settings, token: token.trim() });
        }}
      >
        <h2 id="signin-token-title">Sign in with a token</h2>
        <Field id="signin-token" label="Access token" hint="From your identity provider; kept for this browser session only.">
          <input id="signin-token" type="password" autocomplete="off" aria-describedby="signin-token-hint" value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </Field>
        <button type="submit">Sign in with the token</button>
      </form>
    </section>
  );
}
