// Model name patterns for profiles and faults: an exact name, a glob with `*`, or a RegExp.

export type ModelPattern = string | RegExp;

export function compileModelPattern(pattern: ModelPattern): RegExp {
  if (pattern instanceof RegExp) return pattern;
  const escaped = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}
