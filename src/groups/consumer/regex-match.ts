// Topic-regex subscriptions (KIP-848): a pattern compiled once into a Thompson NFA and matched against whole
// topic names (RE2/J's `matches()`: the entire name, as Kafka resolves SubscribedTopicRegex). The simulation
// keeps a set of states per input position, so matching takes time linear in the name's length whatever the
// pattern (no backtracking: a hostile `(a+)+b` costs the same as `a+b`). Compiled patterns are cached (a
// group's members send the same pattern at every full heartbeat); a pattern that compiles to more than
// MAX_STATES states is refused, as RE2 refuses programs over its memory budget.

import { isWordCode, parseRegex, RegexSyntaxError, type CharTest, type Node } from "./regex-parse.js";

const MAX_STATES = 20_000;
const CACHE_SIZE = 256;

type State =
  | { k: "char"; test: CharTest; out: number }
  | { k: "split"; a: number; b: number }
  | { k: "assert"; kind: Extract<Node, { t: "assert" }>["kind"]; out: number }
  | { k: "match" };

export interface TopicRegex {
  readonly source: string;
  /** True when the whole name matches. */
  matches(name: string): boolean;
}

const cache = new Map<string, TopicRegex>();

/** Compiles `source`; throws RegexSyntaxError (with RE2's reason) when it is not a pattern Kafka would take. */
export function compileTopicRegex(source: string): TopicRegex {
  const hit = cache.get(source);
  if (hit) return hit;
  const states: State[] = [];
  const add = (s: State): number => {
    if (states.length >= MAX_STATES) throw new RegexSyntaxError("regular expression too large");
    states.push(s);
    return states.length - 1;
  };
  // Compiles `node` so that it continues at `next`; returns its entry state.
  const build = (node: Node, next: number): number => {
    switch (node.t) {
      case "empty":
        return next;
      case "char":
        return add({ k: "char", test: node.test, out: next });
      case "assert":
        return add({ k: "assert", kind: node.kind, out: next });
      case "cat": {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--) entry = build(node.items[i]!, entry);
        return entry;
      }
      case "alt": {
        let entry = build(node.alts[node.alts.length - 1]!, next);
        for (let i = node.alts.length - 2; i >= 0; i--) entry = add({ k: "split", a: build(node.alts[i]!, next), b: entry });
        return entry;
      }
      case "rep": {
        let entry = next;
        if (node.max === Number.POSITIVE_INFINITY) {
          // A loop: split → body → back to the split, or on to `next`.
          const loop = add({ k: "split", a: -1, b: next });
          const body = build(node.node, loop);
          (states[loop] as { a: number }).a = body;
          entry = loop;
        } else {
          // (max − min) optional copies, each of which may skip straight to `next`.
          for (let i = node.min; i < node.max; i++) entry = add({ k: "split", a: build(node.node, entry), b: next });
        }
        for (let i = 0; i < node.min; i++) entry = build(node.node, entry);
        return entry;
      }
    }
  };
  let tree: Node;
  try {
    tree = parseRegex(source);
  } catch (error) {
    if (error instanceof RegexSyntaxError) throw error;
    throw new RegexSyntaxError(String(error));
  }
  const match = add({ k: "match" });
  const start = build(tree, match);
  const regex: TopicRegex = { source, matches: (name) => run(states, start, name) };
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(source, regex);
  return regex;
}

function assertHolds(kind: Extract<State, { k: "assert" }>["kind"], name: string, at: number): boolean {
  const before = at > 0 ? name.charCodeAt(at - 1) : -1;
  const after = at < name.length ? name.charCodeAt(at) : -1;
  switch (kind) {
    case "bot":
      return at === 0;
    case "eot":
      return at === name.length;
    case "bol":
      return at === 0 || before === 10;
    case "eol":
      return at === name.length || after === 10;
    case "word":
    case "nonword": {
      const boundary = (before >= 0 && isWordCode(before)) !== (after >= 0 && isWordCode(after));
      return kind === "word" ? boundary : !boundary;
    }
  }
}

function run(states: State[], start: number, name: string): boolean {
  let current: number[] = [];
  let seen = new Uint32Array(states.length);
  let generation = 1;
  // Follows jumps, splits and assertions (which hold or not at position `at`) from `s`.
  const addState = (list: number[], s: number, at: number): void => {
    const stack = [s];
    while (stack.length) {
      const i = stack.pop()!;
      if (seen[i] === generation) continue;
      seen[i] = generation;
      const st = states[i]!;
      if (st.k === "split") stack.push(st.b, st.a);
      else if (st.k === "assert") {
        if (assertHolds(st.kind, name, at)) stack.push(st.out);
      } else list.push(i);
    }
  };
  addState(current, start, 0);
  for (let at = 0; at < name.length; at++) {
    const c = name.charCodeAt(at);
    const next: number[] = [];
    generation++;
    if (generation === 0xffffffff) {
      seen = new Uint32Array(states.length);
      generation = 1;
    }
    for (const i of current) {
      const st = states[i]!;
      if (st.k === "char" && st.test(c)) addState(next, st.out, at + 1);
    }
    current = next;
    if (!current.length) return false;
  }
  return current.some((i) => states[i]!.k === "match");
}
