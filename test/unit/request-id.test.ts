// Request ids are UUIDv7: the warehouse reads the time (and so the partition) from the id.
import { expect, test } from "bun:test";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { requestIdTime } from "#shared/traces/request-id.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";

test("a request id is a UUIDv7 carrying the time the request arrived", async () => {
  const loader = new SnapshotLoader({ secretBox: new SecretBox(new Uint8Array(32)) });
  const app = createDataPlaneApp(createDataPlaneContext({ nodeId: "ids", loader }));
  const before = Date.now();
  const response = await app.handle(
    new Request("http://localhost/openai/v1/chat/completions", { method: "POST", body: "{}" }),
  );
  const id = response.headers.get("x-modelux-request-id") ?? "";
  const time = requestIdTime(id);
  expect(time).not.toBeNull();
  expect(time as number).toBeGreaterThanOrEqual(before);
  expect(time as number).toBeLessThanOrEqual(Date.now());
  expect(requestIdTime("3b241101-e2bb-4255-8caf-4136c566a962")).toBeNull();
});
