// The Amazon Bedrock adapter: Converse and ConverseStream, signed with SigV4 (DESIGN §5).
import type { ProviderAdapter } from "../adapter.ts";
import { bedrockApi, bedrockBaseUrl, converseUrl } from "./api.ts";
import { bedrockCapabilities } from "./capabilities.ts";
import { convertRequest } from "./convert-request.ts";
import { parseConverseResponse } from "./convert-response.ts";
import { bedrockCredentialProblem, credentialOf } from "./credentials.ts";
import { parseBedrockError } from "./errors.ts";
import { signBedrockRequest } from "./sign-request.ts";
import { parseConverseStream } from "./stream.ts";

export { BedrockCredentialError, parseBedrockCredential } from "./credentials.ts";

export const bedrockAdapter: ProviderAdapter = {
  vendor: "bedrock",
  shape: bedrockApi.shape,
  capabilities: bedrockCapabilities,
  defaultBaseUrl: bedrockApi.defaultBaseUrl,

  async buildRequest(request, target) {
    const credential = credentialOf(target.provider);
    const converted = convertRequest({ ...request, model: target.model });
    const base = bedrockBaseUrl(target.provider.baseUrl, credential.region);
    const url = converseUrl(base, target.model, request.stream);
    const body = JSON.stringify(converted.value);
    const headers = await signBedrockRequest(credential, {
      url,
      body,
      headers: {
        "content-type": "application/json",
        accept: request.stream ? "application/vnd.amazon.eventstream" : "application/json",
      },
    });
    return { value: { url, method: "POST", headers, body }, warnings: converted.warnings };
  },

  parseResponse: parseConverseResponse,
  parseStream: parseConverseStream,
  parseError: parseBedrockError,
  checkCredential: bedrockCredentialProblem,
};
