// SASLprep (RFC 4013), the stringprep (RFC 3454) profile SCRAM (RFC 5802) applies to user names and
// passwords, shared by the broker (security/scram.ts) and the browser-safe client, so both derive the same
// SaltedPassword:
//
//   1. Map: non-ASCII spaces (C.1.2) to U+0020; "commonly mapped to nothing" (B.1) removed.
//   2. Normalize: NFKC.
//   3. Prohibit: C.1.2, C.2.1, C.2.2, C.3-C.9 (controls, private use, non-characters, surrogates,
//      change-display and tagging characters).
//   4. Bidi (RFC 3454 section 6): a string with any RandALCat (D.1) character has no LCat (D.2) character
//      and starts and ends with RandALCat.
//   5. Unassigned code points (A.1, Unicode 3.2): refused in stored strings (a password being set), allowed
//      in queries (a password being checked), as RFC 4013 section 2.5 says.
//
// The tables are RFC 3454's (saslprep-tables.ts, generated); NFKC is the runtime's, a later Unicode than
// 3.2, which only differs for characters 3.2 left unassigned (refused when stored).

import { L_CAT, MAPPED_TO_NOTHING, NON_ASCII_SPACE, PROHIBITED, RAND_AL_CAT, UNASSIGNED } from "./saslprep-tables.js";

/** A string SASLprep refuses: the reason names the offending code point. */
export class SaslPrepError extends Error {
  override name = "SaslPrepError";
}

function inTable(table: readonly number[], cp: number): boolean {
  // Binary search over the [start, end] pairs.
  let lo = 0;
  let hi = table.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < table[2 * mid]!) hi = mid - 1;
    else if (cp > table[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;

/** The code points of a string; a lone surrogate stays one code point (C.5 then refuses it). */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

/**
 * SASLprep(input). `stored` (default true) also refuses unassigned code points, for strings being stored
 * (a new password); false is the query profile (checking a password). Throws SaslPrepError.
 */
export function saslPrep(input: string, options: { stored?: boolean } = {}): string {
  const stored = options.stored ?? true;
  // Fast path: printable ASCII is unchanged by every step.
  if (/^[\x20-\x7e]*$/.test(input)) return input;
  const mapped = codePoints(input)
    .filter((cp) => !inTable(MAPPED_TO_NOTHING, cp))
    .map((cp) => (inTable(NON_ASCII_SPACE, cp) ? 0x20 : cp));
  // A lone surrogate cannot survive normalize() unchanged in every runtime: refuse it before.
  for (const cp of mapped) if (cp >= 0xd800 && cp <= 0xdfff) throw new SaslPrepError(`prohibited character ${hex(cp)} (surrogate code point)`);
  const normalized = mapped.map((cp) => String.fromCodePoint(cp)).join("").normalize("NFKC");
  const cps = codePoints(normalized);
  for (const cp of cps) {
    if (inTable(PROHIBITED, cp)) throw new SaslPrepError(`prohibited character ${hex(cp)}`);
    if (stored && inTable(UNASSIGNED, cp)) throw new SaslPrepError(`unassigned code point ${hex(cp)}`);
  }
  if (cps.some((cp) => inTable(RAND_AL_CAT, cp))) {
    if (cps.some((cp) => inTable(L_CAT, cp))) throw new SaslPrepError("right-to-left and left-to-right characters mixed (RFC 3454 section 6)");
    if (!inTable(RAND_AL_CAT, cps[0]!) || !inTable(RAND_AL_CAT, cps[cps.length - 1]!)) throw new SaslPrepError("a right-to-left string must start and end with a right-to-left character (RFC 3454 section 6)");
  }
  return normalized;
}
