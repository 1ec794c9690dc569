// Field-level comparison of what the file says with what the instance has. A field the file leaves
// out is either not managed (the API's default or whatever was set stays) or means "none"
// (`clearWhenAbsent`: a description, a base URL, a limit), as the file's schema documents.

export interface FieldChange {
  /** Where, as a reader would write it: `settings.capture_content`, `config.attempts[1].model`. */
  field: string;
  from: unknown;
  to: unknown;
}

/** JSON with object keys sorted: two values are equal when their canonical texts are. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

export const sameValue = (a: unknown, b: unknown) => canonical(a) === canonical(b);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** The leaves where two JSON values differ, so a plan names `config.attempts[1].model`. */
export function jsonChanges(path: string, from: unknown, to: unknown): FieldChange[] {
  if (sameValue(from, to)) return [];
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
    return keys.flatMap((key) => jsonChanges(join(path, key), from[key], to[key]));
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return to.flatMap((item, index) => jsonChanges(join(path, index), from[index], item));
  }
  return [{ field: path, from, to }];
}

export interface FieldSpec<T> {
  name: keyof T & string;
  /** What a field left out of the file means: none (null, {}), or not managed. */
  clearWhenAbsent?: unknown;
  /** How values are compared (timestamps as instants, lists as sets). */
  normalize?: (value: unknown) => unknown;
  /** Report the leaves that differ inside (configs, settings), not the whole value. */
  deep?: boolean;
}

/** The changes that bring `current` to `desired`, field by field. */
export function compareFields<T extends object>(
  desired: T,
  current: T,
  specs: readonly FieldSpec<T>[],
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const spec of specs) {
    const given = (desired as Record<string, unknown>)[spec.name];
    const have = (current as Record<string, unknown>)[spec.name];
    let wanted = given;
    if (given === undefined) {
      if (!("clearWhenAbsent" in spec)) continue;
      wanted = spec.clearWhenAbsent;
    }
    const normalize = spec.normalize ?? ((value: unknown) => value);
    const currentValue =
      have === undefined && "clearWhenAbsent" in spec ? spec.clearWhenAbsent : have;
    if (sameValue(normalize(wanted), normalize(currentValue))) continue;
    if (spec.deep) changes.push(...jsonChanges(spec.name, currentValue, wanted));
    else changes.push({ field: spec.name, from: currentValue, to: wanted });
  }
  return changes;
}

/** An instant, whatever the notation (`…Z`, `….000Z`, an offset). */
export const asInstant = (value: unknown) =>
  typeof value === "string" && !Number.isNaN(Date.parse(value)) ? Date.parse(value) : value;

/** A list whose order does not matter. */
export const asSet = (value: unknown) =>
  Array.isArray(value) ? [...value].map((item) => canonical(item)).sort() : value;
