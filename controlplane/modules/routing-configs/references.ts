// Which providers a routing config (or a budget's downgrade target) names: a target's
// `provider` field (a provider's name or id), or the prefix of a `provider/model` string.
export interface ProviderReference {
  /** JSON pointer into the config. */
  path: string;
  provider: string;
  form: "field" | "prefix";
}

const PREFIXED_TARGET = /^([a-z0-9][a-z0-9_-]{0,62})\/\S/;
// CEL conditions can hold a division; they never name a target.
const NOT_TARGETS = new Set(["if"]);

export function providerReferences(value: unknown, path = ""): ProviderReference[] {
  const found: ProviderReference[] = [];
  if (typeof value === "string") {
    const prefix = PREFIXED_TARGET.exec(value)?.[1];
    if (prefix) found.push({ path, provider: prefix, form: "prefix" });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      found.push(...providerReferences(item, `${path}/${index}`));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      const innerPath = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (NOT_TARGETS.has(key)) continue;
      if (key === "provider" && typeof inner === "string") {
        found.push({ path: innerPath, provider: inner, form: "field" });
      } else {
        found.push(...providerReferences(inner, innerPath));
      }
    }
  }
  return found;
}

/** Whether `value` names this provider, by id or name, in either form. */
export function referencesProvider(value: unknown, provider: { id: string; name: string }) {
  return providerReferences(value).some((reference) =>
    reference.form === "field"
      ? reference.provider === provider.id || reference.provider === provider.name
      : reference.provider === provider.name,
  );
}
