/** Reading compose values once the schema has accepted them: scalars, lists, mappings, sizes. */

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** A scalar as text; the schema has already refused mappings where text is expected. */
export const str = (v: unknown): string => (v === null || v === undefined ? "" : typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v));

export function toBool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  const s = str(v).toLowerCase();
  if (["true", "yes", "1", "on"].includes(s)) return true;
  if (["false", "no", "0", "off", ""].includes(s)) return false;
  return undefined;
}

/** Compose `list_or_dict`: `["A=1", "B"]` or `{A: 1, B: null}`. Null values stay undefined. */
export function listOrDict(v: unknown, sep = "="): [string, string | undefined, number | string][] {
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      const s = str(item);
      const at = s.indexOf(sep);
      return at === -1 ? [s, undefined, i] : [s.slice(0, at), s.slice(at + 1), i];
    });
  }
  if (isObj(v)) return Object.entries(v).map(([k, val]) => [k, val === null ? undefined : str(val), k]);
  return [];
}

export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of listOrDict(v)) out[k] = val ?? "";
  return out;
}

export function stringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(str) : [str(v)];
}

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** Compose byte sizes (`512m`, `1g`, `1048576`) in MiB, rounded up. */
export function sizeInMb(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(str(v));
  if (!m || !(m[2].toLowerCase() in SIZE_UNITS)) return undefined;
  return Math.ceil((Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]) / 1024 ** 2);
}
