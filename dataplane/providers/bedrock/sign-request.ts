// SigV4 for Bedrock through aws4fetch: signs the exact body that will be sent and returns the
// headers (Authorization, X-Amz-Date, X-Amz-Security-Token for temporary credentials). One
// client per credential keeps aws4fetch's derived-key cache warm across requests. aws4fetch
// signs host, accept and x-amz-*, and leaves content-type unsigned, which SigV4 allows.
import { AwsClient } from "aws4fetch";
import { bedrockApi } from "./api.ts";
import type { BedrockCredential } from "./credentials.ts";

const clients = new WeakMap<BedrockCredential, AwsClient>();

function clientFor(credential: BedrockCredential): AwsClient {
  let client = clients.get(credential);
  if (!client) {
    client = new AwsClient({
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
      sessionToken: credential.sessionToken,
      service: bedrockApi.signingService,
      region: credential.region,
      // The gateway retries through its routing plan, never inside the signer.
      retries: 0,
    });
    clients.set(credential, client);
  }
  return client;
}

export interface SigningInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** `YYYYMMDDTHHMMSSZ`; now unless given (tests pin it to compare signatures). */
  datetime?: string;
}

export async function signBedrockRequest(
  credential: BedrockCredential,
  input: SigningInput,
): Promise<Record<string, string>> {
  const aws = input.datetime === undefined ? undefined : { datetime: input.datetime };
  const signed = await clientFor(credential).sign(input.url, {
    method: "POST",
    headers: input.headers,
    body: input.body,
    aws,
  });
  return Object.fromEntries(signed.headers);
}
