// A data plane alone in its process for upload-memory.ts: one org whose openai provider is the
// simulator at argv[2]; prints its URL, then serves until killed. Its memory is the measured one.
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultRequestLimits } from "#shared/env/settings.ts";
import { hashKey } from "#shared/ids/ids.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { guardDataPlane } from "../../dataplane/http-guard.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import { serveAndPrintUrl } from "../child-handshake.ts";

export const BENCH_KEY = "mlx_sk_benchfilesbenchfiles01";

const simulatorUrl = process.argv[2] as string;
const box = new SecretBox(new Uint8Array(32).fill(5));
const loader = new SnapshotLoader({ secretBox: box });
const applied = loader.apply(
  sealSnapshot(1, {
    orgs: [{ id: "org_bench", slug: "bench", name: "Bench" }],
    projects: [{ id: "prj_bench", org_id: "org_bench", slug: "main", settings: {} }],
    api_keys: [
      {
        id: "key_bench",
        org_id: "org_bench",
        project_id: "prj_bench",
        name: "bench",
        key_hash: hashKey(BENCH_KEY),
        rpm_limit: null,
        expires_at: null,
      },
    ],
    providers: [
      {
        id: "prv_openai",
        org_id: "org_bench",
        name: "openai",
        vendor: "openai",
        base_url: `${simulatorUrl}/v1`,
        credential: box.encrypt("sk-bench"),
        options: {},
      },
    ],
    routing_configs: [],
    budgets: [],
  } as never),
);
if (!applied.applied) throw new Error(applied.reason);
const context = createDataPlaneContext({ nodeId: "bench-files", loader });
// The data plane's own defaults: 32 MiB for a chat body, 512 MiB for an upload.
const guarded = guardDataPlane(createDataPlaneApp(context).fetch, defaultRequestLimits());
serveAndPrintUrl(guarded.fetch);
