// The Bedrock credential string (DESIGN §5): `ACCESS_KEY_ID::SECRET_ACCESS_KEY::REGION` with an
// optional `::SESSION_TOKEN` for temporary credentials. Errors name the part that is wrong,
// never its value.
import { GatewayError } from "#shared/errors/gateway-error.ts";

export interface BedrockCredential {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  sessionToken?: string;
}

export const BEDROCK_CREDENTIAL_FORMAT =
  "ACCESS_KEY_ID::SECRET_ACCESS_KEY::REGION[::SESSION_TOKEN]";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export class BedrockCredentialError extends GatewayError {
  override name = "BedrockCredentialError";
  constructor(readonly problem: string) {
    super(
      "upstream_error",
      `the Bedrock provider's credential is malformed: ${problem} (expected ${BEDROCK_CREDENTIAL_FORMAT})`,
    );
  }
}

/** Parses the decrypted credential; throws BedrockCredentialError without echoing any part. */
export function parseBedrockCredential(credential: string): BedrockCredential {
  const parts = credential.trim().split("::");
  if (parts.length !== 3 && parts.length !== 4) {
    throw new BedrockCredentialError(
      `it has ${parts.length} part(s) separated by "::", not 3 or 4`,
    );
  }
  const [accessKeyId = "", secretAccessKey = "", region = "", sessionToken] = parts;
  if (accessKeyId === "") throw new BedrockCredentialError("the access key id is empty");
  if (secretAccessKey === "") throw new BedrockCredentialError("the secret access key is empty");
  if (!REGION.test(region)) {
    throw new BedrockCredentialError("the region is not an AWS region name such as us-east-1");
  }
  if (sessionToken === "") throw new BedrockCredentialError("the session token is empty");
  return sessionToken === undefined
    ? { accessKeyId, secretAccessKey, region }
    : { accessKeyId, secretAccessKey, region, sessionToken };
}

/** What is wrong with a credential string, in words that quote none of it; null when usable. */
export function bedrockCredentialProblem(credential: string): string | null {
  try {
    parseBedrockCredential(credential);
    return null;
  } catch (error) {
    if (!(error instanceof BedrockCredentialError)) throw error;
    return `${error.problem} (expected ${BEDROCK_CREDENTIAL_FORMAT})`;
  }
}

const parsedByProvider = new WeakMap<object, { raw: string; parsed: BedrockCredential }>();

/** Parses a provider's credential once per snapshot (providers are immutable per snapshot). */
export function credentialOf(provider: { credential: string }): BedrockCredential {
  const cached = parsedByProvider.get(provider);
  if (cached && cached.raw === provider.credential) return cached.parsed;
  const parsed = parseBedrockCredential(provider.credential);
  parsedByProvider.set(provider, { raw: provider.credential, parsed });
  return parsed;
}
