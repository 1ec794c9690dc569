// State-store buckets a NATS test made under a prefix of its own, removed when it ends: the NATS
// server is shared by every session, so a test never touches the default modelux_state_* buckets.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { natsUrl } from "./services.ts";

/** A bucket prefix no other test file or run uses. */
export function uniqueStatePrefix(label: string): string {
  return `modelux_state_${label}_${process.pid}_${Date.now().toString(36)}`;
}

/** Deletes the KV and object-store streams of every state bucket named with `prefix`. */
export async function deleteStateBuckets(prefix: string, servers = natsUrl): Promise<void> {
  const admin = await connect({ servers, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(admin);
    const names: string[] = [];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`KV_${prefix}_`) || name.startsWith(`OBJ_${prefix}_`)) names.push(name);
    }
    await Promise.all(names.map((name) => jsm.streams.delete(name)));
  } finally {
    await admin.close();
  }
}
