// The simulator's two timings. Instant: answers at once, unpaced, so the gateway's own cost is
// all there is to see. Realistic: 50 ms to first token, then a steady 100 tokens per second (the
// requests ask for 20 tokens, so a stream lasts about 250 ms and a plain answer arrives after it).
export type Mode = "instant" | "realistic";

export const MODE_PROFILES: Record<Mode, unknown[]> = {
  instant: [],
  realistic: [{ name: "realistic", models: ["*"], ttft_ms: 50, tokens_per_second: 100 }],
};

/** A rough time per request, to size the open-loop generator's connection pool. */
export const MODE_EXPECTED_SECONDS: Record<Mode, number> = { instant: 0.002, realistic: 0.3 };

export async function setMode(simulatorUrl: string, mode: Mode): Promise<void> {
  const response = await fetch(`${simulatorUrl}/_sim/profiles`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(MODE_PROFILES[mode]),
  });
  if (!response.ok)
    throw new Error(`simulator refused the ${mode} profile: ${await response.text()}`);
}
