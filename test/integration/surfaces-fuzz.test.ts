// Property tests at the HTTP edge: whatever a client sends to either surface, the gateway answers
// with a success or a clean 4xx in that surface's error shape, never a 5xx and never a hang.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { toJsonText } from "../support/fuzz/json-values.ts";
import { responsesBodies } from "../support/fuzz/responses-requests.ts";
import {
  type GatewayHarness,
  HARNESS_KEY,
  startGatewayHarness,
} from "../support/gateway-harness.ts";

const models = fc.constantFrom(
  "@openai",
  "@anthropic",
  "@google",
  "@bedrock",
  "@cohere",
  "@nope",
  "gpt-4o-mini",
  "",
  42,
  null,
);
const text = fc.oneof(fc.string(), fc.constant("What is the weather?"));
const part = fc.oneof(
  fc.record({ type: fc.constant("text"), text }),
  fc.record({
    type: fc.constant("image_url"),
    image_url: fc.record({ url: fc.oneof(fc.webUrl(), fc.string()) }),
  }),
  fc.record({
    type: fc.constant("image"),
    source: fc.record({ type: fc.constant("base64"), media_type: fc.string(), data: fc.string() }),
  }),
  fc.record({
    type: fc.constant("tool_result"),
    tool_use_id: fc.string(),
    content: fc.oneof(text, fc.array(fc.anything())),
  }),
  fc.anything(),
);
const message = fc.record(
  {
    role: fc.constantFrom("user", "assistant", "system", "tool", "developer", "robot"),
    content: fc.oneof(text, fc.array(part, { maxLength: 3 }), fc.anything()),
    tool_call_id: fc.string(),
    tool_calls: fc.array(fc.anything(), { maxLength: 2 }),
  },
  { requiredKeys: ["role"] },
);
const body = fc.record(
  {
    model: models,
    messages: fc.oneof(fc.array(message, { maxLength: 4 }), fc.anything()),
    max_tokens: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.anything()),
    stream: fc.oneof(fc.boolean(), fc.anything()),
    temperature: fc.oneof(fc.double(), fc.anything()),
    tools: fc.array(fc.anything(), { maxLength: 2 }),
    tool_choice: fc.anything(),
    response_format: fc.anything(),
    thinking: fc.anything(),
    system: fc.anything(),
    "mlx:tags": fc.anything(),
  },
  { requiredKeys: [] },
);

/** Mostly a valid value, sometimes anything at all. */
const usually = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: fc.anything(), weight: 1 });

/** A valid request for the surface with fuzzed optional fields: reaches routing and upstreams. */
function nearlyValid(shape: "openai" | "anthropic") {
  const validModel = fc.constantFrom(
    "@openai",
    "@azure",
    "@anthropic",
    "@google",
    "@bedrock",
    "@cohere",
    "@groq",
  );
  const userTurn = fc.record({ role: fc.constant("user"), content: text });
  const schema = fc.constant({
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
  });
  const tool =
    shape === "openai"
      ? fc.record({
          type: fc.constant("function"),
          function: fc.record({
            name: fc.constantFrom("get_weather", "lookup"),
            parameters: usually(schema),
          }),
        })
      : fc.record({
          name: fc.constantFrom("get_weather", "lookup"),
          input_schema: usually(schema),
        });
  return fc.record(
    {
      model: validModel,
      messages: fc.array(userTurn, { minLength: 1, maxLength: 3 }),
      max_tokens: usually(fc.integer({ min: 1, max: 400 })),
      stream: usually(fc.boolean()),
      temperature: usually(fc.double({ min: 0, max: 1, noNaN: true })),
      tools: usually(fc.array(tool as fc.Arbitrary<unknown>, { maxLength: 2 })),
      stop_sequences: usually(fc.array(fc.string({ minLength: 1 }), { maxLength: 2 })),
      seed: usually(fc.integer()),
    },
    {
      requiredKeys:
        shape === "anthropic" ? ["model", "messages", "max_tokens"] : ["model", "messages"],
    },
  );
}

describe("surfaces under arbitrary input", () => {
  let harness: GatewayHarness;
  beforeAll(() => {
    harness = startGatewayHarness();
  });
  afterAll(() => harness.stop());

  const send = (path: string, payload: string) =>
    fetch(`${harness.baseUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${HARNESS_KEY}`, "content-type": "application/json" },
      body: payload,
      signal: AbortSignal.timeout(10_000),
    });

  test.each([
    ["/openai/v1/chat/completions", "openai"],
    ["/anthropic/v1/messages", "anthropic"],
  ] as const)(
    "%s",
    async (path, shape) => {
      let served = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { arbitrary: nearlyValid(shape).map((value) => JSON.stringify(value)), weight: 6 },
            { arbitrary: body.map((value) => JSON.stringify(value)), weight: 2 },
            { arbitrary: fc.oneof(fc.string(), fc.json()), weight: 1 },
          ),
          async (payload) => {
            const response = await send(path, payload);
            const text = await response.text();
            if (response.ok) served++;
            expect(response.status).toBeLessThan(500);
            if (response.status >= 400) {
              const error = JSON.parse(text) as {
                type?: string;
                error?: { type?: string; message?: string };
              };
              expect(typeof error.error?.message).toBe("string");
              if (shape === "anthropic") expect(error.type).toBe("error");
            }
          },
        ),
        { numRuns: 200 },
      );
      // Most generated requests are valid: the property covers routing and upstreams, not just parsing.
      expect(served).toBeGreaterThan(20);
    },
    120_000,
  );

  test("/openai/v1/responses", async () => {
    const validModel = fc.constantFrom("@openai", "@anthropic", "@google", "@bedrock", "@cohere");
    const nearlyValidResponses = fc.record(
      {
        model: validModel,
        input: fc.oneof(text, fc.constant([{ role: "user", content: "hi" }])),
        instructions: usually(text),
        max_output_tokens: usually(fc.integer({ min: 16, max: 400 })),
        stream: usually(fc.boolean()),
        store: usually(fc.boolean()),
      },
      { requiredKeys: ["model", "input"] },
    );
    let served = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: nearlyValidResponses.map((value) => JSON.stringify(value)), weight: 3 },
          { arbitrary: responsesBodies(validModel).map(toJsonText), weight: 3 },
          { arbitrary: fc.oneof(fc.string(), fc.json()), weight: 1 },
        ),
        async (payload) => {
          const response = await send("/openai/v1/responses", payload);
          const text = await response.text();
          if (response.ok) served++;
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) {
            const error = JSON.parse(text) as { type?: string; error?: { message?: string } };
            expect(typeof error.error?.message).toBe("string");
            expect(error.type).toBeUndefined();
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(served).toBeGreaterThan(20);
  }, 120_000);
});
