// Canonical tools and tool choice → Gemini functionDeclarations and toolConfig. Parameter
// schemas are cleaned of what Gemini refuses (clean-schema.ts), with one warning per tool.
import type { CanonicalTool, ToolChoice } from "#shared/canonical/request.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { cleanSchema } from "./clean-schema.ts";
import type { GeminiFunctionDeclaration, GeminiToolConfig } from "./wire-request.ts";

export function convertTools(
  tools: readonly CanonicalTool[],
): Converted<GeminiFunctionDeclaration[]> {
  const warnings: ConversionWarning[] = [];
  const declarations = tools.map((tool) => {
    const { schema, changed } = cleanSchema(tool.inputSchema);
    if (changed.length > 0) warnings.push(schemaWarning(`tools.${tool.name}.parameters`, changed));
    if (tool.strict) {
      warnings.push({
        type: "unsupported-field",
        subject: `tools.${tool.name}.strict`,
        message:
          "Gemini has no strict mode for function declarations; dropped (it still follows the schema)",
      });
    }
    const declaration: GeminiFunctionDeclaration = { name: tool.name };
    if (tool.description) declaration.description = tool.description;
    if (schema) declaration.parameters = schema;
    return declaration;
  });
  return { value: declarations, warnings };
}

export function schemaWarning(subject: string, changed: readonly string[]): ConversionWarning {
  return {
    type: "lossy-conversion",
    subject,
    message: `Gemini's schema subset refuses some of ${subject}; changed or removed: ${changed.join(", ")}`,
  };
}

export function convertToolChoice(
  choice: ToolChoice | undefined,
): Converted<GeminiToolConfig | undefined> {
  if (!choice) return { value: undefined, warnings: [] };
  const warnings: ConversionWarning[] = [];
  if ((choice.type === "auto" || choice.type === "required") && choice.parallel === false) {
    warnings.push({
      type: "unsupported-field",
      subject: "tool_choice.parallel",
      message: "Gemini cannot be told to avoid parallel function calls; dropped",
    });
  }
  switch (choice.type) {
    case "auto":
      return { value: { functionCallingConfig: { mode: "AUTO" } }, warnings };
    case "none":
      return { value: { functionCallingConfig: { mode: "NONE" } }, warnings };
    case "required":
      return { value: { functionCallingConfig: { mode: "ANY" } }, warnings };
    case "tool":
      return {
        value: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.name] } },
        warnings,
      };
  }
}
