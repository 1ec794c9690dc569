// The egress policy's checks and its fetch: refusals after DNS resolution (real lookups of
// `localhost`, injected answers elsewhere), the allow list, the verdict cache on an injected
// clock, and redirects re-checked hop by hop against real local servers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseEgressAllow } from "#shared/egress/allow-list.ts";
import { EgressLookupError, EgressPolicy, EgressRefusedError } from "#shared/egress/policy.ts";

const refusal = async (run: () => unknown) => {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return null;
};

describe("egress policy checks", () => {
  const enforce = (allow = "", resolve?: (host: string) => Promise<string[]>) =>
    new EgressPolicy({ mode: "enforce", allow: parseEgressAllow(allow), resolve });

  test.each([
    "http://127.0.0.1:8080/v1",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0:11434/",
    "http://2130706433/",
    "http://10.0.0.5/v1",
    "http://100.100.100.200/",
  ])("%s is refused", async (url) => {
    const error = await refusal(() => enforce().check(url));
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect((error as Error).message).toBe("refused by egress policy");
  });

  test("a name that resolves to loopback is refused (localhost, through Bun's resolver)", async () => {
    const error = await refusal(() => enforce().check("http://localhost:9/v1"));
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect((error as EgressRefusedError).detail).toContain("loopback");
  });

  test("one private address among public ones is enough to refuse a name", async () => {
    const policy = enforce("", async () => ["93.184.216.34", "10.1.1.1"]);
    const error = await refusal(() => policy.check("https://mixed.example/v1"));
    expect((error as EgressRefusedError).detail).toBe(
      "mixed.example resolves to 10.1.1.1, a private address",
    );
    const publicOnly = enforce("", async () => ["93.184.216.34", "2606:2800:220:1::1"]);
    expect(await refusal(() => publicOnly.check("https://public.example/v1"))).toBeNull();
  });

  test("allow-listed CIDRs and host names pass; other private addresses still do not", async () => {
    const policy = enforce("127.0.0.1/32, 10.8.0.0/16, ollama.lan", async () => ["192.168.1.9"]);
    expect(await refusal(() => policy.check("http://127.0.0.1:8090/v1"))).toBeNull();
    expect(await refusal(() => policy.check("http://10.8.3.4/v1"))).toBeNull();
    expect(await refusal(() => policy.check("http://ollama.lan:11434/v1"))).toBeNull();
    expect(await refusal(() => policy.check("http://127.0.0.2/v1"))).toBeInstanceOf(
      EgressRefusedError,
    );
    expect(await refusal(() => policy.check("http://10.9.0.1/v1"))).toBeInstanceOf(
      EgressRefusedError,
    );
  });

  test("a name that does not resolve is a lookup error (unreachable), not a refusal", async () => {
    const policy = enforce("", async () => {
      throw new Error("ENOTFOUND");
    });
    expect(await refusal(() => policy.check("https://nowhere.invalid/"))).toBeInstanceOf(
      EgressLookupError,
    );
  });

  test("schemes other than http(s) are refused", async () => {
    expect(await refusal(() => enforce().check("file:///etc/passwd"))).toBeInstanceOf(
      EgressRefusedError,
    );
  });

  test("verdicts are cached per host for the TTL: one lookup, not one per request", async () => {
    let now = 0;
    const lookups: string[] = [];
    const policy = new EgressPolicy({
      mode: "enforce",
      ttlMs: 30_000,
      now: () => now,
      resolve: async (host) => {
        lookups.push(host);
        return ["93.184.216.34"];
      },
    });
    await Promise.all(
      Array.from({ length: 20 }, () => policy.check("https://api.example/v1/chat")),
    );
    for (let index = 0; index < 100; index++) {
      // A cached verdict answers synchronously: no promise, no lookup.
      expect(policy.check("https://api.example/v1/embeddings")).toBeUndefined();
    }
    expect(lookups).toEqual(["api.example"]);
    now = 30_001;
    await policy.check("https://api.example/v1/chat");
    expect(lookups).toEqual(["api.example", "api.example"]);
  });

  test("a URL whose host is not plainly written is judged every time, never from the cache", async () => {
    const policy = enforce("", async () => ["93.184.216.34"]);
    await policy.check("http://public.example/");
    // Same leading text as a cached public verdict would have, another host to the URL parser.
    expect(await refusal(() => policy.check("http:///127.0.0.1/"))).toBeInstanceOf(
      EgressRefusedError,
    );
    expect(await refusal(() => policy.check("http://public.example@127.0.0.1/"))).toBeInstanceOf(
      EgressRefusedError,
    );
  });

  test("with the policy off nothing is checked", async () => {
    expect(EgressPolicy.off.check("http://169.254.169.254/")).toBeUndefined();
  });
});

describe("egress policy fetch and redirects", () => {
  let internal: ReturnType<typeof Bun.serve>;
  let redirector: ReturnType<typeof Bun.serve>;
  const seenHeaders: Record<string, string | null>[] = [];

  beforeAll(() => {
    // Listens on every loopback address: reachable as 127.0.0.2, which the policy refuses.
    internal = Bun.serve({
      port: 0,
      hostname: "0.0.0.0",
      fetch: (request) => {
        seenHeaders.push({
          authorization: request.headers.get("authorization"),
          "x-api-key": request.headers.get("x-api-key"),
          "content-type": request.headers.get("content-type"),
        });
        return new Response("internal secret", { status: 200 });
      },
    });
    redirector = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) => {
        const url = new URL(request.url);
        if (url.pathname === "/to-internal")
          return Response.redirect(`http://127.0.0.2:${internal.port}/secret`, 307);
        if (url.pathname === "/to-allowed")
          return Response.redirect(`http://127.0.0.1:${internal.port}/fine`, 307);
        if (url.pathname === "/loop") return Response.redirect("/loop", 302);
        return new Response("not found", { status: 404 });
      },
    });
  });
  afterAll(async () => {
    await internal?.stop(true);
    await redirector?.stop(true);
  });

  const policy = () =>
    new EgressPolicy({ mode: "enforce", allow: parseEgressAllow("127.0.0.1/32") });

  test("a redirect from an allowed host to a private one is refused, the private body unread", async () => {
    const error = await refusal(() =>
      policy().fetch(`http://127.0.0.1:${redirector.port}/to-internal`, { method: "POST" }),
    );
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect((error as EgressRefusedError).detail).toContain("127.0.0.2");
  });

  test("a redirect to another origin that is allowed is followed without the credentials", async () => {
    seenHeaders.length = 0;
    const response = await policy().fetch(`http://127.0.0.1:${redirector.port}/to-allowed`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk-secret",
        "x-api-key": "sk-secret",
        "content-type": "application/json",
      },
      body: "{}",
    });
    expect(await response.text()).toBe("internal secret");
    expect(seenHeaders).toEqual([
      { authorization: null, "x-api-key": null, "content-type": "application/json" },
    ]);
  });

  test("hops are bounded: the last redirect is the answer", async () => {
    const response = await new EgressPolicy({
      mode: "enforce",
      allow: parseEgressAllow("127.0.0.1/32"),
      maxRedirects: 3,
    }).fetch(`http://127.0.0.1:${redirector.port}/loop`);
    expect(response.status).toBe(302);
  });
});
