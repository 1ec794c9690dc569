// The image's HEALTHCHECK: alive when the process this container runs answers its health route.
// One image runs every process, so each one's port is tried (the data plane's, the control
// plane's, the simulator's, from the same variables they listen on); the first answer counts.
// Orchestrators probe their own way (compose: /readyz per service; Kubernetes: the chart's probes).
const targets = [
  `http://127.0.0.1:${process.env.DATAPLANE_PORT || 8080}/healthz`,
  `http://127.0.0.1:${process.env.CONTROLPLANE_PORT || 8081}/healthz`,
  `http://127.0.0.1:${process.env.SIMULATOR_PORT || 8090}/_sim/health`,
];

const answers = await Promise.all(
  targets.map((url) =>
    fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    ),
  ),
);
process.exit(answers.some(Boolean) ? 0 : 1);

export {};
