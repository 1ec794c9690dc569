// The embedded default, as the README promises: `bun run dev` starts everything, prints a key,
// and that key gets an answer for `@default` through the simulator.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { startEmbedded } from "../../embedded/start.ts";
import { freePort, spawnChild } from "../support/processes.ts";
import { waitUntil } from "../support/wait.ts";

const directories: string[] = [];
const temporaryDirectory = () => {
  const directory = mkdtempSync(join(tmpdir(), "modelux-embedded-"));
  directories.push(directory);
  return directory;
};
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

const settingsFor = (dataDir: string, extra: Record<string, string> = {}) =>
  readSettings(embeddedSchema, {
    MODELUX_DATA_DIR: dataDir,
    MODELUX_HOST: "127.0.0.1",
    DATAPLANE_PORT: String(freePort()),
    CONTROLPLANE_PORT: String(freePort()),
    SIMULATOR_PORT: String(freePort()),
    ...extra,
  });

describe("bun run dev (embedded default)", () => {
  test("the printed key and curl line get an answer for @default", async () => {
    const dataDir = temporaryDirectory();
    const dataPlanePort = freePort();
    const child = spawnChild("dev", ["bun", "run", "dev"], {
      MODELUX_DATA_DIR: dataDir,
      MODELUX_HOST: "127.0.0.1",
      DATAPLANE_PORT: String(dataPlanePort),
      CONTROLPLANE_PORT: String(freePort()),
      SIMULATOR_PORT: String(freePort()),
    });
    try {
      const printed = await waitUntil(() => /proxy key\s+(mlx_sk_\S+)/.exec(child.output())?.[1], {
        timeoutMs: 30_000,
      }).catch((error) => {
        throw new Error(`${error.message}\n${child.output()}`);
      });
      expect(child.output()).toContain(
        `curl http://127.0.0.1:${dataPlanePort}/openai/v1/chat/completions`,
      );
      const response = await fetch(`http://127.0.0.1:${dataPlanePort}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${printed}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "@default",
          messages: [{ role: "user", content: "Hello!" }],
        }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-modelux-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      const body = (await response.json()) as {
        choices: Array<{ message: { content: string } }>;
        model: string;
      };
      expect(body.model).toBe("gpt-4o-mini");
      expect(body.choices[0]?.message.content).toBeTruthy();
      const keysFile = (await Bun.file(join(dataDir, "dev-keys.json")).json()) as {
        proxy_key: string;
      };
      expect(keysFile.proxy_key).toBe(printed);
    } finally {
      await child.stop();
    }
  }, 60_000);

  test("the official OpenAI SDK works with only baseURL and apiKey changed, streaming too", async () => {
    const running = await startEmbedded(settingsFor(temporaryDirectory()), { quiet: true });
    try {
      const client = new OpenAI({
        baseURL: `${running.dataPlaneUrl}/openai/v1`,
        apiKey: running.seed.proxyKey,
      });
      const completion = await client.chat.completions.create({
        model: "@default",
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(completion.choices[0]?.message.content).toBeTruthy();
      const stream = await client.chat.completions.create({
        model: "@fallback",
        messages: [{ role: "user", content: "Stream please" }],
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      expect(text.length).toBeGreaterThan(0);
      const models = await client.models.list();
      expect(models.data.map((model) => model.id).sort()).toEqual([
        "@cheap",
        "@default",
        "@fallback",
      ]);
      const refused = new OpenAI({
        baseURL: `${running.dataPlaneUrl}/openai/v1`,
        apiKey: "mlx_sk_notakeynotakeynotakey",
        maxRetries: 0,
      });
      // The SDK's promise is lazy and not a native Promise: await it to a value first.
      const rejection = await refused.chat.completions
        .create({ model: "@default", messages: [] })
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(rejection).toBeInstanceOf(OpenAI.AuthenticationError);
    } finally {
      await running.stop();
    }
  }, 30_000);

  test("a restart keeps the data, the keys and the seed, and pinned keys are honoured", async () => {
    const dataDir = temporaryDirectory();
    const first = await startEmbedded(settingsFor(dataDir), { quiet: true });
    const firstSeed = first.seed;
    await first.stop();
    const pinned = "mlx_sk_pinnedpinnedpinned0001";
    const second = await startEmbedded(settingsFor(dataDir, { MODELUX_DEV_PROXY_KEY: pinned }), {
      quiet: true,
    });
    try {
      expect(second.seed.created).toBe(false);
      expect(second.seed.orgId).toBe(firstSeed.orgId);
      expect(second.seed.proxyKey).toBe(pinned);
      expect(second.seed.managementKey).toBe(firstSeed.managementKey);
      for (const key of [pinned, firstSeed.proxyKey]) {
        const response = await fetch(`${second.dataPlaneUrl}/openai/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "@cheap", messages: [{ role: "user", content: "again" }] }),
        });
        expect(response.status).toBe(200);
      }
    } finally {
      await second.stop();
    }
  }, 30_000);
});
