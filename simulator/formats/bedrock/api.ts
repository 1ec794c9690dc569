// How Bedrock Runtime authenticates and where the model is: SigV4 in the Authorization header
// (checked for form only, the simulator knows no secrets) and the model id in the path.
import { bedrockErrorResponse } from "./errors.ts";

/** The model id of `/model/{modelId}/converse[-stream]`; ids and ARNs arrive percent-encoded. */
export function modelFromPath(request: Request): string {
  const segment = new URL(request.url).pathname.split("/")[2] ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Bedrock answers 403 before it reads the body when the request is not SigV4-signed. */
export function authenticationFailure(request: Request): Response | undefined {
  const authorization = request.headers.get("authorization")?.trim();
  if (!authorization) {
    return bedrockErrorResponse(403, "Missing Authentication Token", {
      type: "MissingAuthenticationTokenException",
    });
  }
  if (!authorization.startsWith("AWS4-HMAC-SHA256 ")) {
    return bedrockErrorResponse(
      403,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
      { type: "IncompleteSignatureException" },
    );
  }
  if (!request.headers.get("x-amz-date") && !request.headers.get("date")) {
    return bedrockErrorResponse(
      403,
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      { type: "IncompleteSignatureException" },
    );
  }
  return undefined;
}
