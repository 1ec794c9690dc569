// A plan as people read it, like `terraform plan`: one line per object (+ create, ~ update,
// -/+ replace, - delete) and one per field that changes.
import type { FieldChange } from "./compare.ts";
import type { Change, Plan } from "./plan.ts";

const MAX_VALUE_CHARS = 160;

function valueText(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

const fieldLine = (change: FieldChange) =>
  `      ${change.field}: ${valueText(change.from)} → ${valueText(change.to)}`;

function changeLines(change: Change): string[] {
  switch (change.action) {
    case "create":
      return [`  + ${change.address}`];
    case "delete":
      return [`  - ${change.address}`];
    case "replace":
      return [`  -/+ ${change.address} (${change.reason})`, ...change.fields.map(fieldLine)];
    case "update": {
      const credential =
        change.kind === "provider" && change.rotateCredential
          ? [`      credential: rotated to the value of ${change.entry.api_key_env}`]
          : [];
      return [`  ~ ${change.address}`, ...change.fields.map(fieldLine), ...credential];
    }
  }
}

export function countChanges(plan: Plan, prune: boolean) {
  const all = prune ? [...plan.changes, ...plan.deletions] : plan.changes;
  const count = (action: Change["action"]) => all.filter((c) => c.action === action).length;
  return {
    create: count("create"),
    update: count("update"),
    replace: count("replace"),
    delete: count("delete"),
    total: all.length,
  };
}

export function renderPlan(plan: Plan, prune: boolean): string {
  const counts = countChanges(plan, prune);
  const lines: string[] = [];
  if (counts.total === 0) lines.push("No changes: the org matches the file.");
  else
    lines.push(
      `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ` +
        `${counts.delete} to delete.`,
      "",
      ...plan.changes.flatMap(changeLines),
      ...(prune ? plan.deletions.flatMap(changeLines) : []),
    );
  if (!prune && plan.deletions.length > 0)
    lines.push(
      "",
      "Not in the file, left as they are (--prune deletes them):",
      ...plan.deletions.map((change) => `    ${change.address}`),
    );
  if (plan.notes.length > 0) lines.push("", "Notes:", ...plan.notes.map((note) => `  ${note}`));
  return `${lines.join("\n")}\n`;
}
