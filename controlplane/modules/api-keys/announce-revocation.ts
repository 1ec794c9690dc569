// Tells the fleet a key was revoked, and says whether it could. The bus is the fast path; the
// next snapshot carries the same change, and the snapshot publisher retries until the fleet has
// it, so a revocation made while NATS is away takes effect once it is back.
import type { ManagementServices } from "../../api/operation.ts";
import type { ApiKeyRow } from "../../db/schema/index.ts";
import type { RevokedApiKeyView } from "./model.ts";

type FleetNotice = RevokedApiKeyView["fleet"];

export const fleetNotReached = (reason: string): FleetNotice => ({
  notified: false,
  warning:
    `the fleet was not reached (${reason}): data planes accept this key until the bus is ` +
    "back, then refuse it within seconds; the control plane keeps retrying",
});

export async function announceRevocation(
  services: ManagementServices,
  key: ApiKeyRow,
): Promise<FleetNotice> {
  try {
    await services.publishControl({
      type: "api_key.revoked",
      key_id: key.id,
      key_hash: key.key_hash,
    });
    return { notified: true, warning: null };
  } catch (error) {
    const reason = (error as Error).message;
    services.log(`api key ${key.id} revoked, but the fleet was not reached: ${reason}`);
    return fleetNotReached(reason);
  }
}
