// What escapes a plane's app and guard reaches Bun.serve's `error` option (issue 14): a JSON 500
// in the generic shape without the message or stack, which go to the log instead of Bun's HTML
// page. Both planes' servers (dataplane/node.ts, controlplane/node.ts) pass this handler.
import { afterAll, expect, test } from "bun:test";
import { serverErrorHandler } from "#shared/http/server-error.ts";

const logged: string[] = [];
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => {
    throw new Error("secret detail at /srv/modelux/dataplane/x.ts");
  },
  error: serverErrorHandler((line) => logged.push(line)),
});
afterAll(() => server.stop(true));

test("an escaped error is a JSON 500 in the generic shape, logged with its stack", async () => {
  const response = await fetch(`http://127.0.0.1:${server.port}/anything`);
  expect(response.status).toBe(500);
  expect(response.headers.get("content-type")).toStartWith("application/json");
  const text = await response.text();
  expect(JSON.parse(text)).toEqual({
    error: { type: "internal", message: "internal error", code: "internal", status: 500 },
  });
  expect(text).not.toContain("secret detail");
  expect(logged).toHaveLength(1);
  expect(logged[0]).toContain("secret detail");
  expect(logged[0]).toContain("server-error.test.ts");
});
