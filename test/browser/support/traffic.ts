// Requests through the data plane so the dashboard has something to show: configs and direct
// models, end users and tags, trace ids (five requests each), a few failures, captured content on.
export async function sendTraffic(
  dataPlaneUrl: string,
  proxyKey: string,
  count = 24,
): Promise<string[]> {
  const models = ["@default", "@fallback", "@cheap", "gpt-4o-mini", "no-such-model-anywhere"];
  const requestIds: string[] = [];
  for (let index = 0; index < count; index++) {
    const model = models[index % models.length] ?? "@default";
    const response = await fetch(`${dataPlaneUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${proxyKey}`,
        "content-type": "application/json",
        "x-modelux-user-id": `user-${index % 3}`,
        "x-modelux-user-tags": `team=${index % 2 ? "search" : "support"}`,
        "x-modelux-trace-id": `trace-${Math.floor(index / 5)}`,
      },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: `Question number ${index}: what is 2 + ${index}?` }],
      }),
    });
    await response.arrayBuffer();
    const id = response.headers.get("x-modelux-request-id");
    if (id) requestIds.push(id);
  }
  return requestIds;
}
