// docs/capabilities.md shows what the adapters declare, not what someone remembered.
import { expect, test } from "bun:test";
import { join } from "node:path";
import {
  renderCapabilityMatrix,
  renderResponsesMatrix,
  withCurrentMatrix,
} from "../../dataplane/providers/capability-matrix.ts";

test("the capability matrix in docs/capabilities.md is current (bun run docs:capabilities)", async () => {
  const document = await Bun.file(join(import.meta.dir, "../../docs/capabilities.md")).text();
  expect(document).toContain(renderCapabilityMatrix());
  expect(document).toContain(renderResponsesMatrix());
  expect(renderResponsesMatrix()).toContain("| openai | passthrough |");
  expect(renderResponsesMatrix()).toContain("| anthropic | translated |");
  expect(withCurrentMatrix(document)).toBe(document);
  for (const vendor of [
    "openai",
    "azure",
    "anthropic",
    "google",
    "bedrock",
    "cohere",
    "groq",
    "mistral",
  ]) {
    expect(renderCapabilityMatrix()).toContain(`| ${vendor} |`);
  }
});
