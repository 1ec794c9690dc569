import { describe, expect, test } from "bun:test";
import {
  controlPlaneSchema,
  dataPlaneSchema,
  embeddedSchema,
  readSettings,
  SettingsError,
} from "#shared/env/settings.ts";

const secret = "a".repeat(64);

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error("expected a SettingsError");
}

describe("settings", () => {
  test("the control plane names every missing required variable", () => {
    const problems = problemsOf(() => readSettings(controlPlaneSchema, {}));
    expect(problems).toContain("DATABASE_URL is required but not set");
    expect(problems).toContain("NATS_URL is required but not set");
    expect(problems).toContain("MODELUX_SECRET_KEY is required but not set");
  });

  test("a wrong value is named with what is wrong with it", () => {
    const problems = problemsOf(() =>
      readSettings(dataPlaneSchema, {
        NATS_URL: "http://x",
        MODELUX_SECRET_KEY: "short",
        DATAPLANE_PORT: "99999",
      }),
    );
    expect(problems.find((line) => line.startsWith("NATS_URL"))).toContain("nats://");
    expect(problems.find((line) => line.startsWith("MODELUX_SECRET_KEY"))).toContain("32 bytes");
    expect(problems.find((line) => line.startsWith("DATAPLANE_PORT"))).toContain("65535");
  });

  test("defaults fill what is optional and ports become numbers", () => {
    const settings = readSettings(dataPlaneSchema, {
      NATS_URL: "nats://127.0.0.1:4222",
      MODELUX_SECRET_KEY: secret,
    });
    expect(settings.DATAPLANE_PORT).toBe(8080);
    expect(settings.MODELUX_HOST).toBe("0.0.0.0");
    expect(settings.MODELUX_NODE_ID).toBeUndefined();
  });

  test("the embedded default needs nothing and checks pinned keys", () => {
    const settings = readSettings(embeddedSchema, {});
    expect(settings.DATAPLANE_PORT).toBe(8080);
    expect(settings.CONTROLPLANE_PORT).toBe(8081);
    expect(settings.SIMULATOR_PORT).toBe(8090);
    const problems = problemsOf(() =>
      readSettings(embeddedSchema, { MODELUX_DEV_PROXY_KEY: "mlx_mk_wrongkindofkey123" }),
    );
    expect(problems[0]).toStartWith("MODELUX_DEV_PROXY_KEY");
  });

  test("a base64 secret key is accepted as well as hex", () => {
    const base64 = Buffer.alloc(32, 7).toString("base64");
    const settings = readSettings(dataPlaneSchema, {
      NATS_URL: "nats://n:4222",
      MODELUX_SECRET_KEY: base64,
    });
    expect(settings.MODELUX_SECRET_KEY).toBe(base64);
  });

  test("an entry point exits with the message naming the variable", async () => {
    const child = Bun.spawn(["bun", "run", "dataplane/main.ts"], {
      env: { PATH: process.env.PATH ?? "", NATS_URL: "nats://127.0.0.1:4222" },
      stderr: "pipe",
      stdout: "pipe",
    });
    const exitCode = await child.exited;
    const stderr = await new Response(child.stderr).text();
    expect(exitCode).not.toBe(0);
    expect(stderr).toContain("MODELUX_SECRET_KEY is required but not set");
  });
});
