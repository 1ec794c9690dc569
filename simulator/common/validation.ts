// Turns a valibot failure into what vendors say about a bad request: the parameter's path
// (`messages[0].role`) and whether it was missing or wrong.
import type * as v from "valibot";

export interface RequestProblem {
  /** The path in OpenAI's notation: `messages[0].role`. */
  param: string;
  /** The same path as keys and indexes, for vendors that write it otherwise. */
  path: Array<string | number>;
  missing: boolean;
  message: string;
}

export function describeIssue(
  issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]],
): RequestProblem {
  const issue = issues[0];
  let param = "";
  const path: Array<string | number> = [];
  for (const item of issue.path ?? []) {
    const key = typeof item.key === "number" ? item.key : String(item.key);
    path.push(key);
    if (typeof key === "number") param += `[${key}]`;
    else param += param === "" ? key : `.${key}`;
  }
  return { param, path, missing: issue.input === undefined, message: issue.message };
}
