// The Bedrock credential string and SigV4: parsing errors that never echo the secret, and
// signed requests checked against a from-the-spec SigV4 computation (node:crypto), including
// the double-encoded path Bedrock's model ids need.
import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  BedrockCredentialError,
  parseBedrockCredential,
} from "../../dataplane/providers/bedrock/credentials.ts";
import { bedrockAdapter } from "../../dataplane/providers/bedrock/index.ts";
import type { RuntimeProvider } from "../../dataplane/snapshot/runtime-config.ts";

const ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

describe("the credential string", () => {
  test("three parts, or four with a session token", () => {
    expect(parseBedrockCredential(`${ACCESS_KEY}::${SECRET}::us-east-1`)).toEqual({
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET,
      region: "us-east-1",
    });
    expect(
      parseBedrockCredential(`${ACCESS_KEY}::${SECRET}::eu-central-1::FwoGZXIvYXdzEJr//token`),
    ).toEqual({
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET,
      region: "eu-central-1",
      sessionToken: "FwoGZXIvYXdzEJr//token",
    });
  });

  const broken: Array<[string, string, RegExp]> = [
    ["one part", SECRET, /1 part\(s\)/],
    ["two parts", `${ACCESS_KEY}::${SECRET}`, /2 part\(s\)/],
    ["five parts", `${ACCESS_KEY}::${SECRET}::us-east-1::token::extra`, /5 part\(s\)/],
    ["an empty key id", `::${SECRET}::us-east-1`, /access key id is empty/],
    ["an empty secret", `${ACCESS_KEY}::::us-east-1`, /secret access key is empty/],
    ["a region that is not one", `${ACCESS_KEY}::${SECRET}::virginia`, /not an AWS region/],
    ["an empty session token", `${ACCESS_KEY}::${SECRET}::us-east-1::`, /session token is empty/],
  ];
  for (const [what, credential, message] of broken) {
    test(`${what} is refused clearly, without the secret`, () => {
      let caught: unknown;
      try {
        parseBedrockCredential(credential);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BedrockCredentialError);
      expect(caught).toBeInstanceOf(GatewayError);
      const error = caught as GatewayError;
      expect(error.code).toBe("upstream_error");
      expect(error.message).toMatch(message);
      expect(error.message).toContain("ACCESS_KEY_ID::SECRET_ACCESS_KEY::REGION[::SESSION_TOKEN]");
      expect(error.message).not.toContain(SECRET);
      expect(error.message).not.toContain(ACCESS_KEY);
    });
  }
});

function provider(credential: string, baseUrl: string | null = null): RuntimeProvider {
  return {
    id: "prv_1",
    orgId: "org_1",
    name: "bedrock",
    vendor: "bedrock",
    baseUrl,
    credential,
    options: {},
  };
}

const request: CanonicalRequest = {
  model: "ignored",
  system: [],
  messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
  tools: [],
  stream: false,
  openAiOnly: {},
  forwardHeaders: {},
};

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const hmac = (key: string | Buffer, text: string) =>
  createHmac("sha256", key).update(text).digest();

/**
 * SigV4 as the AWS reference describes it, for a POST with no query string, over the headers
 * the Authorization header says it signed.
 */
function expectedSignature(
  url: string,
  headers: Record<string, string>,
  body: string,
  secret: string,
  region: string,
): string {
  const parsed = new URL(url);
  const date = headers["x-amz-date"] as string;
  const signedNames = (/SignedHeaders=([^,]+)/.exec(headers.authorization ?? "")?.[1] ?? "").split(
    ";",
  );
  const value = (name: string) => (name === "host" ? parsed.host : (headers[name] as string));
  // Every service but S3 signs the path encoded twice: `%3A` in the URL is `%253A` here.
  const path = parsed.pathname
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  const canonical = [
    "POST",
    path,
    "",
    ...signedNames.map((name) => `${name}:${value(name).trim()}`),
    "",
    signedNames.join(";"),
    sha256(body),
  ].join("\n");
  const scope = `${date.slice(0, 8)}/${region}/bedrock/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", date, scope, sha256(canonical)].join("\n");
  let key = hmac(`AWS4${secret}`, date.slice(0, 8));
  for (const part of [region, "bedrock", "aws4_request"]) key = hmac(key, part);
  return createHmac("sha256", key).update(toSign).digest("hex");
}

describe("SigV4 signing", () => {
  test("the default regional URL, with the model id percent-encoded", async () => {
    const { value } = await bedrockAdapter.buildRequest(request, {
      provider: provider(`${ACCESS_KEY}::${SECRET}::us-west-2`),
      model: "us.anthropic.claude-sonnet-4-20250514-v1:0",
    });
    expect(value.url).toBe(
      "https://bedrock-runtime.us-west-2.amazonaws.com/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse",
    );
    expect(value.method).toBe("POST");
    expect(value.headers["content-type"]).toBe("application/json");
    expect(value.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(value.headers["x-amz-security-token"]).toBeUndefined();
    const authorization = value.headers.authorization as string;
    const date = (value.headers["x-amz-date"] as string).slice(0, 8);
    expect(authorization).toStartWith(
      `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/${date}/us-west-2/bedrock/aws4_request, SignedHeaders=accept;host;x-amz-date, Signature=`,
    );
    const signature = authorization.split("Signature=")[1];
    expect(signature).toBe(
      expectedSignature(value.url, value.headers, value.body, SECRET, "us-west-2"),
    );
    expect(JSON.stringify(value)).not.toContain(SECRET);
  });

  test("a session token is sent and signed; a base URL replaces the host; streams use converse-stream", async () => {
    const { value } = await bedrockAdapter.buildRequest(
      { ...request, stream: true },
      {
        provider: provider(
          `${ACCESS_KEY}::${SECRET}::ap-southeast-2::session/token+value==`,
          "http://127.0.0.1:9999/",
        ),
        model:
          "arn:aws:bedrock:ap-southeast-2:123456789012:inference-profile/apac.amazon.nova-pro-v1:0",
      },
    );
    expect(value.url).toBe(
      "http://127.0.0.1:9999/model/arn%3Aaws%3Abedrock%3Aap-southeast-2%3A123456789012%3Ainference-profile%2Fapac.amazon.nova-pro-v1%3A0/converse-stream",
    );
    expect(value.headers.accept).toBe("application/vnd.amazon.eventstream");
    expect(value.headers["x-amz-security-token"]).toBe("session/token+value==");
    const authorization = value.headers.authorization as string;
    expect(authorization).toContain("SignedHeaders=accept;host;x-amz-date;x-amz-security-token,");
    expect(authorization).toContain("/ap-southeast-2/bedrock/aws4_request");
    expect(authorization.split("Signature=")[1]).toBe(
      expectedSignature(value.url, value.headers, value.body, SECRET, "ap-southeast-2"),
    );
  });

  test("a malformed credential fails the build with the credential error", async () => {
    const build = bedrockAdapter.buildRequest(request, {
      provider: provider("just-a-key"),
      model: "m",
    });
    await expect(build).rejects.toBeInstanceOf(BedrockCredentialError);
  });
});
