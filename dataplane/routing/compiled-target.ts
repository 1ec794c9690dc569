// A target of a routing config as compiled once per snapshot: a model resolved to the provider
// that serves it (a leaf), a reference to another config, or why it could be neither.
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import type { ModelInfo } from "#shared/pricing/catalog.ts";
import type { Target } from "#shared/routing/config-schema.ts";
import type { RuntimeProvider } from "../snapshot/snapshot-tables.ts";
import type { HealthKey } from "./health.ts";

/** A model a config names, resolved to the provider that serves it. */
export interface Leaf {
  provider: RuntimeProvider;
  model: string;
  healthKey: HealthKey;
  info: ModelInfo;
}

export type CompiledTarget =
  | { kind: "model"; label: string; leaf: Leaf }
  | { kind: "config"; label: string; slug: string }
  | { kind: "unresolvable"; label: string; error: GatewayError };

/** Compiles a model reference (or a `@config` written as a model) of the config's project. */
export type CompileTarget = (value: Target, provider?: string) => CompiledTarget;

/** A reference to another config, `@slug` or `slug`. */
export function configTarget(reference: string): CompiledTarget {
  const slug = reference.startsWith("@") ? reference.slice(1) : reference;
  return { kind: "config", label: `@${slug}`, slug };
}
