// The stored shape of a Responses answer (what the bus's state store holds), read by every
// version that may meet it: each historical shape has its record here, written as that version
// wrote it. Readers are lenient (fields a newer writer adds are kept), and a value that is not a
// stored response reads as none (a 404), never as a crash.
import { describe, expect, test } from "bun:test";
import { InProcessStateStore } from "#shared/bus/in-process-state-store.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { ResponseStore } from "../../dataplane/surfaces/responses/response-store.ts";
import {
  readStoredInputs,
  readStoredResponse,
  STORED_VERSION,
  storedInputs,
  storedResponse,
} from "../../dataplane/surfaces/responses/stored-response.ts";

/** Version 1, as the first Responses surface wrote it (dataplane/surfaces/responses). */
const VERSION_1 = {
  version: 1,
  response: { id: "resp_mlxabc", object: "response", status: "completed", output: [] },
  provider: { id: "prv_1", name: "claude", vendor: "anthropic" },
  upstream_stored: false,
  background: false,
  previous_response_id: null,
  hidden: { fc_mlxabc_0: { signature: "sig", origin: "gemini" } },
};

describe("stored responses", () => {
  test("version 1 reads back as written", () => {
    expect(readStoredResponse(VERSION_1)).toEqual(VERSION_1);
    expect(
      readStoredInputs({ version: 1, items: [{ id: "msg_1", type: "message" }] })?.items,
    ).toEqual([{ id: "msg_1", type: "message" }]);
  });

  test("a newer writer's fields are kept; missing optional ones take their defaults", () => {
    const newer = { ...VERSION_1, version: 2, cost_usd: 0.1 };
    expect(readStoredResponse(newer)).toMatchObject({ version: 2, cost_usd: 0.1 });
    const {
      upstream_stored: _u,
      background: _b,
      hidden: _h,
      previous_response_id: _p,
      ...bare
    } = VERSION_1;
    expect(readStoredResponse(bare)).toMatchObject({
      upstream_stored: false,
      background: false,
      hidden: {},
      previous_response_id: null,
    });
  });

  test("what is not a stored response reads as none", () => {
    for (const value of [
      null,
      "x",
      3,
      {},
      { version: 1 },
      { ...VERSION_1, response: { output: [] } },
    ])
      expect(readStoredResponse(value)).toBeNull();
  });

  test("this version writes the current shape", () => {
    const { version: _v, ...fields } = VERSION_1;
    expect(storedResponse(fields as never)).toEqual({ ...VERSION_1, version: STORED_VERSION });
    expect(storedInputs([])).toEqual({ version: STORED_VERSION, items: [] });
  });

  test("a chain is read oldest first; another org's id is not found", async () => {
    const state = new InProcessStateStore();
    const mine = new ResponseStore(state, "org_a");
    const record = (id: string, previous: string | null) =>
      storedResponse({
        ...VERSION_1,
        response: { ...VERSION_1.response, id },
        previous_response_id: previous,
      } as never);
    await mine.put(record("resp_1", null), storedInputs([{ id: "i1" }]));
    await mine.put(record("resp_2", "resp_1"), storedInputs([{ id: "i2" }]));
    const chain = await mine.chain("resp_2");
    expect(chain.links.map((link) => [link.id, link.inputs])).toEqual([
      ["resp_1", [{ id: "i1" }]],
      ["resp_2", [{ id: "i2" }]],
    ]);
    expect(chain.cutAt).toBeNull();
    const theirs = new ResponseStore(state, "org_b");
    expect(await theirs.get("resp_2")).toBeNull();
    const refused = await theirs.chain("resp_2").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).details).toMatchObject({
      param: "previous_response_id",
      surfaceCode: "previous_response_not_found",
    });
    await mine.delete("resp_1");
    expect((await mine.chain("resp_2")).cutAt).toBe("resp_1");
  });
});
