// Hash routes (#/topics, #/topic/<name>?partition=..., ...): the page state lives in the URL so every view
// can be linked to and reloaded; no server-side routing is needed.

export interface Route {
  page: "topics" | "topic" | "produce" | "groups" | "broker" | "settings";
  arg?: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#\/?/, "").split("?");
  const [page, ...rest] = path.split("/");
  const query = new URLSearchParams(search);
  const arg = rest.length ? decodeURIComponent(rest.join("/")) : undefined;
  switch (page) {
    case "topic":
    case "produce":
    case "groups":
    case "broker":
    case "settings":
      return { page, arg, query };
    default:
      return { page: "topics", query };
  }
}

export const href = (page: Route["page"], arg?: string, query?: Record<string, string>) =>
  `#/${page}${arg !== undefined ? "/" + encodeURIComponent(arg) : ""}${query ? "?" + new URLSearchParams(query).toString() : ""}`;
