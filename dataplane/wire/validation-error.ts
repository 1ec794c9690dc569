// A valibot failure of a client's body → `invalid_request` naming the field
// (`messages[2].content[0].source.data: …`), for every wire format. Of all issues, including
// those inside unions, the deepest names the field best.
import type * as v from "valibot";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { clipText, MAX_QUOTED_CHARS } from "#shared/validation/client-text.ts";
import { formatPath } from "#shared/validation/field-path.ts";

type Issue = v.BaseIssue<unknown>;
type Path = Array<string | number>;

export function validationError(issues: readonly Issue[]): GatewayError {
  const [path, issue] = deepest(issues, []);
  const param = path.length === 0 ? "body" : formatPath(path);
  const missing = issue.input === undefined && issue.kind === "schema" && path.length > 0;
  const problem = missing
    ? "is required"
    : issue.kind === "schema"
      ? // `received` quotes a string value whole: cut, so the answer does not echo megabytes.
        `expected ${issue.expected}, received ${clipText(issue.received, MAX_QUOTED_CHARS)}`
      : lowerFirst(issue.message);
  return new GatewayError("invalid_request", `${param}: ${problem}`, { param });
}

function deepest(issues: readonly Issue[], prefix: Path): [Path, Issue] {
  let best: [Path, Issue] | undefined;
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path ?? []).map((item) => item.key as string | number)];
    let candidate: [Path, Issue] = [path, issue];
    if (issue.issues?.length) {
      // A union's own message ("expected string | Array") gives way to a deeper option's.
      const inner = deepest(issue.issues, path);
      if (inner[0].length > path.length) candidate = inner;
    }
    if (!best || candidate[0].length > best[0].length) best = candidate;
  }
  return best ?? [prefix, issues[0] as Issue];
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
