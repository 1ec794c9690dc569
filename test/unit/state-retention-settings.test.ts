// The state store's retention settings: written with a unit, defaulting to what
// DEFAULT_STATE_RETENTION states, refused at start with a message naming the variable.
import { describe, expect, test } from "bun:test";
import { DEFAULT_STATE_RETENTION } from "#shared/bus/state-store.ts";
import {
  dataPlaneSchema,
  embeddedSchema,
  readSettings,
  SettingsError,
  stateRetentionFrom,
} from "#shared/env/settings.ts";

const fleet = { NATS_URL: "nats://127.0.0.1:4222", MODELUX_SECRET_KEY: "a".repeat(64) };

describe("state retention settings", () => {
  test("unset, every namespace keeps the documented default (responses 30 days)", () => {
    const retention = stateRetentionFrom(readSettings(dataPlaneSchema, fleet));
    expect(retention).toEqual(DEFAULT_STATE_RETENTION);
    expect(retention.responses).toBe(30 * 24 * 60 * 60 * 1000);
  });

  test("each variable sets its namespaces, in any unit", () => {
    const retention = stateRetentionFrom(
      readSettings(embeddedSchema, {
        MODELUX_RESPONSES_RETENTION: "12h",
        MODELUX_FILES_RETENTION: "90d",
        MODELUX_CACHE_RETENTION: "45m",
      }),
    );
    expect(retention).toEqual({
      responses: 12 * 3_600_000,
      "response-inputs": 12 * 3_600_000,
      files: 90 * 86_400_000,
      batches: 90 * 86_400_000,
      cache: 45 * 60_000,
    });
    expect(
      stateRetentionFrom(
        readSettings(dataPlaneSchema, { ...fleet, MODELUX_CACHE_RETENTION: "90s" }),
      ).cache,
    ).toBe(90_000);
  });

  test("a value without a unit, zero, negative or too long is refused by name", () => {
    for (const given of ["30", "30 days", "0d", "-1d", "1.5h", "4000d"]) {
      let problems: string[] = [];
      try {
        readSettings(dataPlaneSchema, { ...fleet, MODELUX_RESPONSES_RETENTION: given });
      } catch (error) {
        if (error instanceof SettingsError) problems = error.problems;
      }
      expect(problems).toHaveLength(1);
      expect(problems[0]).toStartWith("MODELUX_RESPONSES_RETENTION must be");
    }
  });
});
