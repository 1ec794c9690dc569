// The state store of whichever bus a process is connected to, for a process that starts serving
// before its bus arrives (a data plane starts on its cached snapshot): until then every call
// rejects with BusUnavailableError, as it would while NATS is unreachable.
import { type Bus, BusUnavailableError } from "./bus.ts";
import type { StateStore } from "./state-store.ts";

export function connectedStateStore(bus: () => Bus | null): StateStore {
  const current = (): StateStore => {
    const connected = bus();
    if (connected === null) throw new BusUnavailableError("the bus is not connected yet");
    return connected.state;
  };
  return {
    put: async (key, value, options) => current().put(key, value, options),
    putJson: async (key, json, options) => current().putJson(key, json, options),
    get: async (key) => current().get(key),
    getJson: async (key) => current().getJson(key),
    delete: async (key) => current().delete(key),
    getWithRevision: async (key) => current().getWithRevision(key),
    putIfRevision: async (key, value, revision, options) =>
      current().putIfRevision(key, value, revision, options),
    watch: async (namespace, onChange) => current().watch(namespace, onChange),
  };
}
