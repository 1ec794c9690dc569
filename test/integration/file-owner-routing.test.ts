// A message citing a file the org uploaded through the gateway reaches the credential holding it
// (issue 17, docs/batches-and-files.md "Which credential"): the route's other targets are skipped;
// a route with no target there is a 400 naming the file and its provider; another org's file id
// is unknown here and goes where the route says (the upstream answers). Token counting follows
// the same rule; a request on the caller's own provider key citing the org's file is a 400. Driven by the official
// SDKs against the simulator, whose Anthropic files are readable only with the uploading key.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic, { toFile as toAnthropicFile } from "@anthropic-ai/sdk";
import OpenAI, { toFile } from "openai";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { BudgetLedger } from "../../dataplane/budgets/budget-ledger.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import { type RunningSimulator, startSimulator } from "../../simulator/server.ts";

const KEY_A = "mlx_sk_fileownerroutingorga0001";
const KEY_B = "mlx_sk_fileownerroutingorgb0001";

let simulator: RunningSimulator;
let server: ReturnType<typeof Bun.serve>;
let url: string;

function snapshotBody(simulatorUrl: string, box: SecretBox) {
  const provider = (org: string, name: string, vendor: string, credential: string) => ({
    id: `prv_${org}_${name}`,
    org_id: org,
    name,
    vendor,
    base_url: `${simulatorUrl}/v1`,
    credential: box.encrypt(credential),
    options: {},
  });
  const key = (id: string, org: string, project: string, secret: string) => ({
    id,
    org_id: org,
    project_id: project,
    name: id,
    key_hash: hashKey(secret),
    rpm_limit: null,
    expires_at: null,
  });
  const config = (slug: string, body: Record<string, unknown>) => ({
    id: `rc_${slug}`,
    org_id: "org_a",
    project_id: "prj_a",
    slug,
    version: 1,
    config: body,
  });
  const on = (provider: string, model: string) => ({ model: { model, provider } });
  return {
    orgs: [
      { id: "org_a", slug: "a", name: "A" },
      { id: "org_b", slug: "b", name: "B" },
    ],
    projects: [
      { id: "prj_a", org_id: "org_a", slug: "main", settings: {} },
      { id: "prj_b", org_id: "org_b", slug: "main", settings: {} },
    ],
    api_keys: [key("key_a", "org_a", "prj_a", KEY_A), key("key_b", "org_b", "prj_b", KEY_B)],
    providers: [
      provider("org_a", "anthropic", "anthropic", "sk-ant-org-a"),
      provider("org_a", "anthropic-eu", "anthropic", "sk-ant-org-a-eu"),
      provider("org_a", "openai", "openai", "sk-org-a"),
      provider("org_a", "openai-eu", "openai", "sk-org-a-eu"),
      provider("org_b", "anthropic-b", "anthropic", "sk-ant-org-b"),
    ],
    routing_configs: [
      // The file's owner is the second target: the first is skipped, not tried.
      config("claude-default-first", {
        strategy: "fallback",
        attempts: [on("anthropic", "claude-sonnet-4-5"), on("anthropic-eu", "claude-sonnet-4-5")],
      }),
      config("claude-default-only", {
        strategy: "single",
        model: { model: "claude-sonnet-4-5", provider: "anthropic" },
      }),
      config("gpt-default-first", {
        strategy: "fallback",
        attempts: [on("openai", "gpt-4o-mini"), on("openai-eu", "gpt-4o-mini")],
      }),
    ],
    budgets: [],
  };
}

beforeAll(() => {
  simulator = startSimulator({ port: 0 });
  const box = new SecretBox(new Uint8Array(32).fill(5));
  const loader = new SnapshotLoader({ secretBox: box });
  const applied = loader.apply(sealSnapshot(1, snapshotBody(simulator.url, box) as never));
  if (!applied.applied) throw new Error(applied.reason);
  const context = createDataPlaneContext({
    nodeId: "dp-files",
    loader,
    traces: new RecentTraces(),
    budgets: new BudgetLedger({ nodeId: "dp-files" }),
    state: new InProcessStateStore(),
  });
  server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: createDataPlaneApp(context).fetch });
  url = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  server.stop(true);
  await simulator.stop();
});

const anthropic = (key: string, headers: Record<string, string> = {}) =>
  new Anthropic({
    baseURL: `${url}/anthropic`,
    apiKey: key,
    maxRetries: 0,
    defaultHeaders: headers,
  });

async function upload(client: Anthropic, text: string) {
  return client.beta.files.upload({
    file: await toAnthropicFile(Buffer.from(text), "facts.txt", { type: "text/plain" }),
    betas: ["files-api-2025-04-14"],
  });
}

const citing = (client: Anthropic, model: string, fileId: string) =>
  client.beta.messages.create({
    model,
    max_tokens: 30,
    betas: ["files-api-2025-04-14"],
    messages: [
      {
        role: "user",
        content: [
          { type: "document", source: { type: "file", file_id: fileId } },
          { type: "text", text: "What is the code word?" },
        ],
      },
    ],
  });

const counting = (client: Anthropic, model: string, fileId: string) =>
  client.beta.messages.countTokens({
    model,
    betas: ["files-api-2025-04-14"],
    messages: [
      {
        role: "user",
        content: [
          { type: "document", source: { type: "file", file_id: fileId } },
          { type: "text", text: "How long is this?" },
        ],
      },
    ],
  });

describe("a message citing a file reaches the credential holding it", () => {
  test("Anthropic: a fallback whose first target is another credential is served by the file's", async () => {
    const file = await upload(
      anthropic(KEY_A, { "X-Modelux-Provider": "anthropic-eu" }),
      "tangerine",
    );
    const { data, response } = await citing(
      anthropic(KEY_A),
      "@claude-default-first",
      file.id,
    ).withResponse();
    expect(data.type).toBe("message");
    expect(response.headers.get("x-modelux-provider-used")).toBe("anthropic-eu");
  });

  test("Anthropic: a route with no target at the file's credential is a 400 naming the file and its provider", async () => {
    const file = await upload(anthropic(KEY_A, { "X-Modelux-Provider": "anthropic-eu" }), "plum");
    for (const model of ["@claude-default-only", "claude-sonnet-4-5"]) {
      const error = await citing(anthropic(KEY_A), model, file.id).catch((caught) => caught);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error.error).toMatchObject({
        type: "error",
        error: { type: "invalid_request_error" },
      });
      expect(error.error.error.message).toContain(
        `file "${file.id}" is held by provider "anthropic-eu"`,
      );
    }
  });

  test("Anthropic token counting: a cited file pins the count to its credential too; no target there is a 400 naming it", async () => {
    const file = await upload(anthropic(KEY_A, { "X-Modelux-Provider": "anthropic-eu" }), "fig");
    const { data, response } = await counting(
      anthropic(KEY_A),
      "@claude-default-first",
      file.id,
    ).withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-modelux-provider-used")).toBe("anthropic-eu");
    for (const model of ["@claude-default-only", "claude-sonnet-4-5"]) {
      const error = await counting(anthropic(KEY_A), model, file.id).catch((caught) => caught);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error.error.error.message).toContain(
        `file "${file.id}" is held by provider "anthropic-eu"`,
      );
    }
  });

  test("a request on the caller's own provider key citing a file the org holds is a 400 naming the file, its provider and the header", async () => {
    const file = await upload(anthropic(KEY_A, { "X-Modelux-Provider": "anthropic-eu" }), "lime");
    const own = anthropic(KEY_A, {
      "X-Modelux-Provider-Key": "sk-ant-api03-callersownkey0000000000",
    });
    // One at a time: a refusal nothing handles yet would fail the test as an unhandled rejection.
    for (const attempt of [
      () => citing(own, "@claude-default-first", file.id),
      () => counting(own, "@claude-default-first", file.id),
    ]) {
      const error = await attempt().catch((caught) => caught);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      const message = error.error.error.message as string;
      expect(message).toContain(`file "${file.id}" is held by provider "anthropic-eu"`);
      expect(message).toContain("X-Modelux-Provider-Key");
    }
    // A file id the org's records do not hold is the upstream's to judge, as without the header:
    // sent on the caller's key, which cannot read it either.
    const theirs = await upload(anthropic(KEY_B), "not org a's");
    const forwarded = await citing(own, "@claude-default-first", theirs.id).catch(
      (caught) => caught,
    );
    expect(forwarded).toBeInstanceOf(Anthropic.NotFoundError);
  });

  test("another org's file id is unknown to the caller: routed as the model says, the upstream answers, nothing of the other org is named", async () => {
    const theirs = await upload(anthropic(KEY_B), "secret of org b");
    const error = await citing(anthropic(KEY_A), "@claude-default-first", theirs.id).catch(
      (caught) => caught,
    );
    // The first target (org A's default credential) was asked and cannot read it.
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.message).not.toContain("anthropic-b");
  });

  test("OpenAI chat completions: a file part is served by the credential the file was uploaded to", async () => {
    const client = new OpenAI({
      baseURL: `${url}/openai/v1`,
      apiKey: KEY_A,
      maxRetries: 0,
    });
    const file = await client.files.create(
      { file: await toFile(Buffer.from("%PDF-1.4 kiwi"), "facts.pdf"), purpose: "user_data" },
      { headers: { "X-Modelux-Provider": "openai-eu" } },
    );
    const { data, response } = await client.chat.completions
      .create({
        model: "@gpt-default-first",
        max_tokens: 20,
        messages: [
          {
            role: "user",
            content: [
              { type: "file", file: { file_id: file.id } },
              { type: "text", text: "Summarise the file." },
            ],
          },
        ],
      })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(response.headers.get("x-modelux-provider-used")).toBe("openai-eu");
    const refused = await client.chat.completions
      .create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: [{ type: "file", file: { file_id: file.id } }] }],
      })
      .catch((caught) => caught);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.error.message).toContain(`file "${file.id}" is held by provider "openai-eu"`);
  });
});
