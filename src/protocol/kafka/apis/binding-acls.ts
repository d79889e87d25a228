// Field helpers shared by DescribeAcls, CreateAcls and DeleteAcls (keys 29-31): the same strings, arrays
// and tagged sections in a non-flexible (v0-1) and a flexible (v2+) spelling. Writer and Reader have the
// compact encodings; these only pick one by version.

import type { Reader } from "../reader.js";
import type { Writer } from "../writer.js";

export const str = (r: Reader, flex: boolean) => (flex ? r.compactString() : r.string());
export const nstr = (r: Reader, flex: boolean) => (flex ? r.compactNullableString() : r.nullableString());
export const arr = <T>(r: Reader, flex: boolean, read: (r: Reader) => T) => (flex ? r.compactArray(read) : r.array(read));
export const tags = (r: Reader, flex: boolean) => {
  if (flex) r.taggedFields();
};

export const wstr = (w: Writer, flex: boolean, s: string) => (flex ? w.compactString(s) : w.string(s));
export const wnstr = (w: Writer, flex: boolean, s: string | null) => (flex ? w.compactNullableString(s) : w.nullableString(s));
export const warr = <T>(w: Writer, flex: boolean, items: readonly T[], write: (w: Writer, item: T) => void) => (flex ? w.compactArray(items, write) : w.array(items, write));
export const wtags = (w: Writer, flex: boolean) => {
  if (flex) w.emptyTaggedFields();
};

/** A filter as DescribeAcls and DeleteAcls carry it (pattern_type_filter from v1; v0 means LITERAL). */
export interface AclFilterFields {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export function readFilter(r: Reader, version: number, flex: boolean): AclFilterFields {
  const resourceTypeFilter = r.int8();
  const resourceNameFilter = nstr(r, flex);
  const patternTypeFilter = version >= 1 ? r.int8() : 3;
  return { resourceTypeFilter, resourceNameFilter, patternTypeFilter, principalFilter: nstr(r, flex), hostFilter: nstr(r, flex), operation: r.int8(), permissionType: r.int8() };
}

export function writeFilter(w: Writer, version: number, flex: boolean, f: AclFilterFields): void {
  w.int8(f.resourceTypeFilter);
  wnstr(w, flex, f.resourceNameFilter);
  if (version >= 1) w.int8(f.patternTypeFilter);
  wnstr(w, flex, f.principalFilter);
  wnstr(w, flex, f.hostFilter);
  w.int8(f.operation).int8(f.permissionType);
}
