// Providers (BYOK): the credential goes in once and never comes back out; responses carry a hint.
import * as v from "valibot";
import {
  idSchema,
  nullableTimestamp,
  paginationEntries,
  slugSchema,
  timestampSchema,
} from "../../api/schemas.ts";
import { probeBaseUrl, VENDOR_PROBES, VENDORS } from "./vendor-probes.ts";

export const vendorSchema = v.picklist(VENDORS, `must be one of ${VENDORS.join(", ")}`);

const credentialSchema = v.pipe(
  v.string(),
  v.minLength(1, "must not be empty"),
  v.maxLength(4096),
  v.description("The vendor credential. Stored encrypted; never returned."),
);

// Request paths are appended to it as text: a query or fragment would swallow them, and
// credentials in it would be stored in the clear and sent along with every request.
const baseUrlSchema = v.pipe(
  v.string(),
  v.maxLength(2000),
  v.url("must be a URL"),
  v.regex(/^https?:\/\//, "must be an http(s) URL"),
  v.check((value) => !value.includes("?"), "must not have a query string (?…)"),
  v.check((value) => !value.includes("#"), "must not have a fragment (#…)"),
  v.check((value) => {
    const parsed = URL.parse(value);
    return parsed === null || (parsed.username === "" && parsed.password === "");
  }, "must not carry credentials (user:password@)"),
  v.description(
    "Overrides the vendor's default endpoint; includes /v1 where the vendor has it. " +
      "http(s), without query, fragment or credentials.",
  ),
);

const optionsSchema = v.pipe(
  v.record(v.string(), v.unknown()),
  v.description("Vendor options: api_version, deployments, region, …"),
);

const verifySchema = v.pipe(
  v.boolean(),
  v.description(
    "false skips the credential check (for networks where the vendor's model list is not " +
      "reachable or not permitted, e.g. IAM without bedrock:ListFoundationModels). The " +
      'provider is stored with verification "skipped"; errors then show on first use. Default true.',
  ),
);

export const verificationView = v.object({
  checked_at: timestampSchema,
  ok: v.boolean(),
  skipped: v.pipe(
    v.optional(v.boolean()),
    v.description("true when the check was skipped on request (verify: false)."),
  ),
  status_code: v.nullable(v.number()),
  latency_ms: v.number(),
  error: v.nullable(v.string()),
});

export const providerView = v.object({
  id: idSchema("The provider's id."),
  name: v.string(),
  vendor: v.string(),
  base_url: v.nullable(v.string()),
  options: v.record(v.string(), v.unknown()),
  credential_hint: v.pipe(v.string(), v.description("The credential's last characters.")),
  status: v.string(),
  verification: v.pipe(
    v.picklist(["verified", "skipped", "failed", "unchecked"]),
    v.description(
      "The last credential check: verified, skipped (stored with verify: false, never " +
        "checked since), failed (verify_provider found it failing), unchecked (never checked).",
    ),
  ),
  verified_at: nullableTimestamp,
  last_verification: v.nullable(verificationView),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type ProviderView = v.InferOutput<typeof providerView>;

export const providerHealthView = v.object({
  provider_id: v.string(),
  status: v.pipe(
    v.picklist(["healthy", "failing", "unknown"]),
    v.description("unknown when never checked, or when the check was skipped (verify: false)."),
  ),
  verified_at: nullableTimestamp,
  last_verification: v.nullable(verificationView),
  dataplane: v.pipe(
    v.nullable(
      v.object({
        reporting_nodes: v.pipe(
          v.number(),
          v.integer(),
          v.description("Data planes heard from in the last three heartbeats (15 s)."),
        ),
        circuits: v.pipe(
          v.array(
            v.object({
              model: v.string(),
              state: v.picklist(["open", "half_open"]),
              nodes: v.object({
                open: v.pipe(v.number(), v.integer()),
                half_open: v.pipe(v.number(), v.integer()),
                reporting: v.pipe(v.number(), v.integer()),
              }),
            }),
          ),
          v.description(
            "This provider's circuit breakers that are not closed on some data plane, by " +
              "model: open when open on any, else half_open, with on how many nodes; a model " +
              "not listed is closed on every reporting data plane.",
          ),
        ),
      }),
    ),
    v.description(
      "The data planes' circuit breakers for this provider now (docs/provider-health.md); null " +
        "when no data plane has reported lately. Latency and error rate from traffic: " +
        "list_provider_health.",
    ),
  ),
  note: v.string(),
});

export const providerParams = v.object({ provider_id: idSchema("The provider's id.") });
export const listProvidersQuery = v.object({
  ...paginationEntries,
  vendor: v.optional(v.string()),
});

const createProviderFields = v.strictObject({
  vendor: vendorSchema,
  name: slugSchema,
  api_key: credentialSchema,
  base_url: v.optional(
    v.pipe(
      v.nullable(baseUrlSchema),
      v.description(
        "The vendor's endpoint; left out or null (as modelux.ai writes it): its public one.",
      ),
    ),
  ),
  options: v.optional(optionsSchema),
  verify: v.optional(verifySchema),
});

/**
 * A vendor without a public endpoint (openai-compatible, azure) has nowhere to send requests
 * unless base_url names one: refused at creation, verify: false or not. Bedrock derives its
 * endpoint from the credential's region (a malformed credential is reported at api_key).
 */
const hasEndpoint = (input: v.InferOutput<typeof createProviderFields>) =>
  (input.base_url !== undefined && input.base_url !== null) ||
  VENDOR_PROBES[input.vendor]?.credentialProblem?.(input.api_key) !== undefined ||
  probeBaseUrl(input.vendor, null, input.api_key) !== null;

export const createProviderBody = v.pipe(
  createProviderFields,
  v.forward(v.check(hasEndpoint, "is required for this vendor (it has no public endpoint)"), [
    "base_url",
  ]),
);

export const updateProviderBody = v.strictObject({
  name: v.optional(slugSchema),
  api_key: v.optional(
    v.pipe(
      credentialSchema,
      v.description(
        "A new credential: the same as rotate_provider_credential (modelux.ai rotates this way).",
      ),
    ),
  ),
  base_url: v.optional(v.nullable(baseUrlSchema)),
  options: v.optional(optionsSchema),
  verify: v.optional(verifySchema),
});

export const rotateProviderBody = v.strictObject({
  api_key: credentialSchema,
  verify: v.optional(verifySchema),
});
