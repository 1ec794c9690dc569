// Per-model latency profiles. The default answers at once with no pacing at all, because the
// benchmarks measure the gateway's own overhead through the simulator and must not be
// dominated by artificial sleeps; named profiles opt models into realistic timing.
import { compileModelPattern, type ModelPattern } from "./model-pattern.ts";

export interface LatencyProfile {
  /** Time to first token: waited before the response headers are sent. */
  ttft_ms: number;
  /** Output pacing; Infinity (the default) sends everything at once. */
  tokens_per_second: number;
  /** Share of calls, 0..1, answered with `error_status` instead. */
  error_rate?: number;
  /** Status for the random errors; 500 unless set (529 is Anthropic's "overloaded"). */
  error_status?: number;
}

export interface ModelProfile extends LatencyProfile {
  name: string;
  /** Which models use this profile; the first profile with a matching pattern wins. */
  models: ModelPattern[];
}

export const instantProfile: LatencyProfile = {
  ttft_ms: 0,
  tokens_per_second: Number.POSITIVE_INFINITY,
};

/** Rough timings of hosted models, for benchmarks that want realistic streams. */
export const realisticProfiles: ModelProfile[] = [
  {
    name: "small",
    models: ["*mini*", "*nano*", "*haiku*", "*flash*"],
    ttft_ms: 250,
    tokens_per_second: 150,
  },
  {
    name: "large",
    models: ["gpt-*", "o*", "claude-*", "gemini-*"],
    ttft_ms: 600,
    tokens_per_second: 60,
  },
];

interface CompiledProfile {
  profile: ModelProfile;
  patterns: RegExp[];
}

export class ProfileTable {
  private compiled: CompiledProfile[] = [];
  // Looking a model up once per name keeps pattern matching off the per-request path.
  private byModel = new Map<string, LatencyProfile>();

  constructor(
    profiles: ModelProfile[] = [],
    private readonly fallback: LatencyProfile = instantProfile,
  ) {
    this.replace(profiles);
  }

  replace(profiles: ModelProfile[]): void {
    this.compiled = profiles.map((profile) => ({
      profile,
      patterns: profile.models.map(compileModelPattern),
    }));
    this.byModel.clear();
  }

  list(): ModelProfile[] {
    return this.compiled.map((entry) => entry.profile);
  }

  forModel(model: string): LatencyProfile {
    let profile = this.byModel.get(model);
    if (profile === undefined) {
      const match = this.compiled.find((entry) =>
        entry.patterns.some((pattern) => pattern.test(model)),
      );
      profile = match?.profile ?? this.fallback;
      if (this.byModel.size > 10_000) this.byModel.clear();
      this.byModel.set(model, profile);
    }
    return profile;
  }
}

export function isPaced(profile: LatencyProfile): boolean {
  return Number.isFinite(profile.tokens_per_second) && profile.tokens_per_second > 0;
}
