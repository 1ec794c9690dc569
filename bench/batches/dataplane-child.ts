// A fleet data plane alone in its process for create-memory.ts: the snapshot at argv[2] (sealed
// with the test suite's secret box), gateway batches handed to the control plane over NATS at
// argv[3] (bus-gateway-batches.ts, as dataplane/node.ts wires them). Prints its URL, then serves
// until killed. Its memory is the measured one.
import { readFileSync } from "node:fs";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultRequestLimits } from "#shared/env/settings.ts";
import { sealSnapshot } from "#shared/snapshot/envelope.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { guardDataPlane } from "../../dataplane/http-guard.ts";
import { createDataPlaneApp } from "../../dataplane/server.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import { busGatewayBatchService } from "../../dataplane/surfaces/files-batches/bus-gateway-batches.ts";
import { serviceRunner } from "../../dataplane/surfaces/files-batches/gateway-batch-runner.ts";
import { serveAndPrintUrl } from "../child-handshake.ts";

const [snapshotPath, natsUrl] = process.argv.slice(2) as [string, string];
// test/support/management.ts's testSecretBox (not imported: it would load the whole harness here).
const box = new SecretBox(new Uint8Array(32).fill(7));
const loader = new SnapshotLoader({ secretBox: box });
const applied = loader.apply(sealSnapshot(1, JSON.parse(readFileSync(snapshotPath, "utf8"))));
if (!applied.applied) throw new Error(applied.reason);
const bus = await connectNatsBus({ servers: natsUrl, name: "bench-batch-create-dataplane" });
const context = createDataPlaneContext({ nodeId: "bench-batch-create", loader });
const app = createDataPlaneApp(context, {
  gatewayBatches: serviceRunner(busGatewayBatchService(() => bus)),
});
const guarded = guardDataPlane(app.fetch, defaultRequestLimits());
serveAndPrintUrl(guarded.fetch);
