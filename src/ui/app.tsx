// The shell: one connection to the broker (through the project's browser client), hash routes for the
// pages, and the connection status. Pages get the client and settings as props; nothing is global.

import { useEffect, useRef, useState } from "preact/hooks";
import { Connection, RivuletClient } from "../client/index.js";
import { authOf, loadSettings, saveSettings, wsUrl, type Credentials, type Settings } from "./lib/settings.js";
import { TopicsPage } from "./pages/topics.js";
import { TopicPage } from "./pages/topic.js";
import { ProducePage } from "./pages/produce.js";
import { GroupsPage } from "./pages/groups.js";
import { BrokerPage } from "./pages/broker.js";
import { SettingsPage } from "./pages/settings.js";
import { SignIn } from "./pages/sign-in.js";
import { href, parseRoute, type Route } from "./routes.js";

type Status = { state: "connecting" } | { state: "connected"; client: RivuletClient } | { state: "error"; message: string } | { state: "signed-out" };

const NAV: [Route["page"], string][] = [
  ["topics", "Topics"],
  ["produce", "Produce"],
  ["groups", "Consumer groups"],
  ["broker", "Broker"],
  ["settings", "Settings"],
];

export function App() {
  const [settings, setSettings] = useState<Settings>(loadSettings);
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const [status, setStatus] = useState<Status>({ state: "connecting" });
  const [attempt, setAttempt] = useState(0);
  // A user signed in from the console: in memory only (a ref: changing it alone does not reconnect), never
  // stored; undefined = none. Signing in bumps `attempt`, which connects with it.
  const credentials = useRef<Credentials>();
  const [signedOut, setSignedOut] = useState(false);
  const [lastUser, setLastUser] = useState<string>();

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    // The Connection is made here (not with connect()) so that a failed first attempt can be stopped: the
    // client keeps reconnecting in the background after connect() rejects, and a console pointed elsewhere
    // must not leave that running.
    // After a sign-out nothing connects until the user signs in again or chooses to go on without.
    if (signedOut) {
      setStatus({ state: "signed-out" });
      return;
    }
    const connection = new Connection({ url: wsUrl(settings), auth: authOf(settings, credentials.current), reconnect: { initialDelayMs: 250, maxDelayMs: 5000 }, requestTimeoutMs: 15_000 });
    let cancelled = false;
    setStatus({ state: "connecting" });
    // The connection gives up for good when the broker refuses it (4011: authentication required, 4010:
    // failed): back to the sign-in page, saying why.
    connection.on("closed", ({ error }) => {
      if (cancelled) return;
      const code = (error as { closeCode?: number } | undefined)?.closeCode;
      const message = code === 4011 ? "the broker requires signing in" : code === 4010 ? "the broker refused the credentials" : (error?.message ?? "the connection closed");
      setStatus({ state: "error", message });
    });
    connection.connect().then(
      () => !cancelled && setStatus({ state: "connected", client: new RivuletClient(connection) }),
      (error: Error) => {
        connection.close();
        // Refused credentials are dropped at once (nothing retries a wrong password); the refusal stays on screen.
        if (!cancelled) credentials.current = undefined;
        // The client's message names the URL, token included: never put that on screen.
        if (!cancelled) setStatus({ state: "error", message: error.message.replace(/access_token=[^&\s)]+/g, "access_token=…") });
      },
    );
    return () => {
      cancelled = true;
      connection.close();
    };
  }, [settings, signedOut, attempt]);

  // The client reconnects on its own after a drop; the header says when the socket is down meanwhile.
  const [online, setOnline] = useState(true);
  useEffect(() => {
    if (status.state !== "connected") return;
    const timer = setInterval(() => setOnline(status.client.connection.isOpen), 500);
    return () => clearInterval(timer);
  }, [status]);

  const applySettings = (next: Settings) => {
    saveSettings(next);
    setSettings(next);
    setSignedOut(false);
  };

  const signIn = (next: Credentials) => {
    setLastUser(next.username);
    credentials.current = next;
    setSignedOut(false);
    setAttempt((n) => n + 1);
  };

  // Sign out: forget the user's credentials and the session's token, and close the connection.
  const signOut = () => {
    credentials.current = undefined;
    if (settings.token) applySettings({ ...settings, token: "" });
    setSignedOut(true);
  };

  useEffect(() => {
    const title = NAV.find(([p]) => p === route.page)?.[1] ?? (route.page === "topic" ? `Topic ${route.arg}` : "");
    document.title = `${title} · Rivulet console`;
  }, [route]);

  const current = route.page === "topic" ? "topics" : route.page;
  let body;
  if (route.page === "settings") body = <SettingsPage settings={settings} onSave={applySettings} status={status.state === "error" ? status.message : status.state} />;
  else if (status.state === "connecting") body = <p role="status">Connecting to the broker…</p>;
  else if (status.state === "error" || status.state === "signed-out") {
    const retry = () => (setSignedOut(false), setAttempt((n) => n + 1));
    body = <SignIn message={status.state === "error" ? status.message : ""} signedOut={status.state === "signed-out"} lastUser={lastUser} settings={settings} onRetry={retry} onSave={(s) => ((credentials.current = undefined), applySettings(s))} onSignIn={signIn} />;
  }
  else {
    const client = status.client;
    if (route.page === "topic" && route.arg) body = <TopicPage key={`${route.arg}?${route.query.toString()}`} client={client} topic={route.arg} query={route.query} />;
    else if (route.page === "produce") body = <ProducePage client={client} initialTopic={route.query.get("topic") ?? undefined} />;
    else if (route.page === "groups") body = <GroupsPage client={client} selected={route.arg} />;
    else if (route.page === "broker") body = <BrokerPage client={client} settings={settings} />;
    else body = <TopicsPage client={client} settings={settings} />;
  }

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header>
        <span class="brand">Rivulet</span>
        <nav aria-label="Pages">
          <ul>
            {NAV.map(([page, label]) => (
              <li key={page}>
                <a href={href(page)} aria-current={current === page ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`conn ${status.state === "connected" && !online ? "reconnecting" : status.state}`} role="status" aria-label="Connection">
          {status.state === "connected" && !online ? "reconnecting…" : status.state === "connected" ? `connected${status.client.connection.server.version ? " · " + status.client.connection.server.version : ""}` : status.state === "signed-out" ? "signed out" : status.state}
        </span>
        {status.state === "connected" && status.client.connection.principal ? (
          <span class="principal">
            <span aria-label="Signed in as">{status.client.connection.principal}</span>{" "}
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}
