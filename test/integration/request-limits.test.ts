// Issue 14, points 8 and 9 on a fleet as users run it (processes, Postgres, NATS): a body past the
// limit is refused with a 413 in the caller's shape while it is read, even chunked (it never
// reaches the upstream), and failed authentications from one address end in 429s while another
// address is unaffected, on both planes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type FleetDataPlane, startFleet, type TestFleet } from "../support/fleet.ts";
import { servicesAbsent } from "../support/services.ts";

const MIB = 1024 * 1024;
// Low limits keep the test quick; the defaults are the same code with other numbers.
const DATA_PLANE_LIMIT = 4 * MIB;
const CONTROL_PLANE_LIMIT = 1 * MIB;
const BURST = 5;

/** A body of `bytes` sent chunked (no content-length), 1 MiB at a time, as a JSON string. */
function chunkedBody(bytes: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const piece = encoder.encode("a".repeat(MIB));
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(encoder.encode('{"model":"openai/gpt-4o-mini","x":"'));
      if (sent >= bytes) {
        controller.enqueue(encoder.encode('"}'));
        controller.close();
        return;
      }
      sent += piece.length;
      controller.enqueue(piece);
    },
  });
}

async function postChunked(url: string, headers: Record<string, string>, bytes: number) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: chunkedBody(bytes),
    duplex: "half",
  } as RequestInit);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe.skipIf(servicesAbsent)("request limits on both planes", () => {
  let fleet: TestFleet;
  let plane: FleetDataPlane;
  let managementKey: string;
  const limits = (bytes: number) => ({
    MODELUX_MAX_BODY_BYTES: String(bytes),
    MODELUX_AUTH_FAILURE_BURST: String(BURST),
    MODELUX_AUTH_FAILURES_PER_MINUTE: "1",
    // The test stands for several clients by naming them; a proxy in front would do the same.
    MODELUX_CLIENT_ADDRESS_HEADER: "x-forwarded-for",
  });

  beforeAll(async () => {
    fleet = await startFleet({
      name: "request-limits",
      dataPlanes: 1,
      controlEnv: limits(CONTROL_PLANE_LIMIT),
      dataEnv: limits(DATA_PLANE_LIMIT),
    });
    plane = fleet.dataPlanes[0] as FleetDataPlane;
    const created = await fleet.manage("POST", "/management-keys", {
      name: "limits",
      role: "admin",
    });
    managementKey = String(created.data.key);
  }, 60_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const simulatorCalls = async () =>
    (await (await fetch(`${fleet.simulator.url}/_sim/calls`)).json()) as {
      counts: Record<string, Record<string, number>>;
    };

  test("a chunked body past the limit is a 413 in the caller's shape and never forwarded", async () => {
    await fetch(`${fleet.simulator.url}/_sim/calls`, { method: "DELETE" });
    const proxy = { authorization: `Bearer ${fleet.tenant.proxyKey}` };
    const size = 10 * MIB;

    for (const path of ["/openai/v1/chat/completions", "/openai/v1/embeddings"]) {
      const answer = await postChunked(`${plane.url}${path}`, proxy, size);
      expect({ path, status: answer.status }).toEqual({ path, status: 413 });
      const body = JSON.parse(answer.text);
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.code).toBe("payload_too_large");
      expect(body.error.message).toContain("4 MiB");
    }
    const anthropic = await postChunked(
      `${plane.url}/anthropic/v1/messages`,
      { ...proxy, "anthropic-version": "2023-06-01" },
      size,
    );
    expect(anthropic.status).toBe(413);
    expect(JSON.parse(anthropic.text)).toMatchObject({
      type: "error",
      error: { type: "request_too_large" },
    });

    const management = await postChunked(
      `${fleet.controlUrl}/manage/v1/projects`,
      { authorization: `Bearer ${managementKey}` },
      size,
    );
    expect(management.status).toBe(413);
    expect(JSON.parse(management.text)).toMatchObject({
      error: { type: "payload_too_large", code: "payload_too_large", status: 413 },
    });

    expect((await simulatorCalls()).counts).toEqual({});
    // Bodies within the limit, chunked too, are served as before.
    const small = await fetch(`${plane.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { ...proxy, "content-type": "application/json" },
      body: new Blob([
        JSON.stringify({
          model: "openai/gpt-4o-mini",
          messages: [{ role: "user", content: "hi" }],
        }),
      ]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(small.status).toBe(200);
  }, 60_000);

  test("a declared length past the limit is refused before it is read", async () => {
    const response = await fetch(`${plane.url}/anthropic/v1/messages/count_tokens`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${fleet.tenant.proxyKey}`,
        "content-type": "application/json",
      },
      body: `{"x":"${"b".repeat(DATA_PLANE_LIMIT)}"}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { type: "request_too_large" } });
  });

  test("failed authentications from one address end in 429; another address is unaffected", async () => {
    const attempt = (from: string, key: string) =>
      fetch(`${plane.url}/openai/v1/models`, {
        headers: { authorization: `Bearer ${key}`, "x-forwarded-for": `10.0.0.9, ${from}` },
      });
    const statuses: number[] = [];
    for (let index = 0; index < BURST + 3; index++) {
      statuses.push((await attempt("203.0.113.7", `mlx_sk_guess${index}guessguessguess`)).status);
    }
    expect(statuses).toEqual([...Array(BURST).fill(401), 429, 429, 429]);
    const refused = await attempt("203.0.113.7", fleet.tenant.proxyKey);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { type: "rate_limit_error" } });

    expect((await attempt("198.51.100.4", "mlx_sk_wrongwrongwrongwrong")).status).toBe(401);
    expect((await attempt("198.51.100.4", fleet.tenant.proxyKey)).status).toBe(200);
  });

  test("the Management API limits failed management keys per address before any lookup", async () => {
    const attempt = (from: string, key: string) =>
      fetch(`${fleet.controlUrl}/manage/v1/projects`, {
        headers: { authorization: `Bearer ${key}`, "x-forwarded-for": from },
      });
    const statuses: number[] = [];
    for (let index = 0; index < BURST + 2; index++) {
      statuses.push((await attempt("203.0.113.8", `mlx_mk_guess${index}guessguessguess`)).status);
    }
    expect(statuses).toEqual([...Array(BURST).fill(401), 429, 429]);
    const refused = await attempt("203.0.113.8", managementKey);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      error: { type: "rate_limited", code: "rate_limited", status: 429 },
    });
    expect((await attempt("198.51.100.5", managementKey)).status).toBe(200);
  });
});
