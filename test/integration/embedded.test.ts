// The embedded default, as the README promises: `bun run dev` starts everything, prints a key,
// and that key gets an answer for `@default` through the simulator.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { startEmbedded } from "../../embedded/start.ts";
import type { Json } from "../support/management.ts";
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
      const ids = models.data.map((model) => model.id);
      // The project's configs, then the models its providers reach (docs/routing.md).
      expect(ids.filter((id) => id.startsWith("@"))).toEqual(["@cheap", "@default", "@fallback"]);
      expect(ids).toContain("openai/gpt-4o-mini");
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

  test("every vendor the simulator speaks answers out of the box, on both surfaces", async () => {
    const running = await startEmbedded(settingsFor(temporaryDirectory()), { quiet: true });
    try {
      // A model of each seeded provider, and the simulator wire format that must serve it.
      const cases = [
        { model: "gpt-4o-mini", format: "openai" },
        { model: "claude-haiku-4-5", format: "anthropic" },
        { model: "gemini-2.5-flash", format: "google" },
        { model: "azure/gpt-4o", format: "azure" },
        { model: "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0", format: "bedrock" },
        { model: "cohere/command-a-03-2025", format: "cohere" },
        { model: "groq/llama-3.3-70b-versatile", format: "openai" },
      ];
      const openai = new OpenAI({
        baseURL: `${running.dataPlaneUrl}/openai/v1`,
        apiKey: running.seed.proxyKey,
        maxRetries: 0,
      });
      const anthropic = new Anthropic({
        baseURL: `${running.dataPlaneUrl}/anthropic`,
        apiKey: running.seed.proxyKey,
        maxRetries: 0,
      });
      const calls = async () => {
        const response = await fetch(`${running.simulatorUrl}/_sim/calls`);
        return ((await response.json()) as { counts: Record<string, Record<string, number>> })
          .counts;
      };
      for (const { model, format } of cases) {
        const upstreamModel = model.includes("/") ? model.slice(model.indexOf("/") + 1) : model;
        const before = (await calls())[format]?.[upstreamModel] ?? 0;
        const completion = await openai.chat.completions.create({
          model,
          messages: [{ role: "user", content: "Hello!" }],
        });
        expect({ model, text: Boolean(completion.choices[0]?.message.content) }).toEqual({
          model,
          text: true,
        });
        const message = await anthropic.messages.create({
          model,
          max_tokens: 64,
          messages: [{ role: "user", content: "Hello!" }],
        });
        const block = message.content[0];
        expect({ model, text: block?.type === "text" && block.text.length > 0 }).toEqual({
          model,
          text: true,
        });
        // Both reached the vendor's own wire format on the simulator.
        expect({ model, calls: ((await calls())[format]?.[upstreamModel] ?? 0) - before }).toEqual({
          model,
          calls: 2,
        });
      }
      // Each seeded provider passes its vendor's credential check against the simulator.
      const manage = (path: string, method = "GET") =>
        fetch(`${running.controlPlaneUrl}/manage/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${running.seed.managementKey}` },
        }).then((response) => response.json() as Promise<Json>);
      const listed = await manage("/providers?limit=100");
      expect(listed.data.map((provider: Json) => provider.vendor).sort()).toEqual([
        "anthropic",
        "azure",
        "bedrock",
        "cohere",
        "google",
        "groq",
        "openai",
      ]);
      for (const provider of listed.data) {
        const health = await manage(`/providers/${provider.id}/verify`, "POST");
        expect({ vendor: provider.vendor, status: health.data.status }).toEqual({
          vendor: provider.vendor,
          status: "healthy",
        });
      }
    } finally {
      await running.stop();
    }
  }, 60_000);

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

  test("a second `bun run dev` on a data dir in use is refused before it opens anything there", async () => {
    const dataDir = temporaryDirectory();
    const first = await startEmbedded(settingsFor(dataDir), { quiet: true });
    try {
      // Its own ports: only the data dir is shared. The child runs `bun run dev` as a user would.
      const second = spawnChild("dev-second", ["bun", "run", "dev"], {
        MODELUX_DATA_DIR: dataDir,
        MODELUX_HOST: "127.0.0.1",
        DATAPLANE_PORT: String(freePort()),
        CONTROLPLANE_PORT: String(freePort()),
        SIMULATOR_PORT: String(freePort()),
      });
      expect(await second.process.exited).not.toBe(0);
      expect(second.output()).toContain(
        `the data dir ${dataDir} is in use by pid ${process.pid} on ${hostname()}`,
      );
      expect(second.output()).toContain("another MODELUX_DATA_DIR");
      // It opened nothing there: no database migrated or seeded, no warehouse, no snapshot.
      for (const line of ["warehouse at", "snapshot", "dashboard built"])
        expect(second.output()).not.toContain(line);
      // The first one still answers.
      const answer = await fetch(`${first.dataPlaneUrl}/openai/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${first.seed.proxyKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ model: "@default", messages: [{ role: "user", content: "still" }] }),
      });
      expect(answer.status).toBe(200);
    } finally {
      await first.stop();
    }
    // Given up on stop: the next start on it is this process's again.
    expect(existsSync(join(dataDir, "modelux.lock"))).toBe(false);
    const again = await startEmbedded(settingsFor(dataDir), { quiet: true });
    await again.stop();
  }, 60_000);
});
