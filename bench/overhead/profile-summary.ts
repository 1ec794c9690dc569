// Reads a V8-format .cpuprofile (what `bun --cpu-prof` writes) and lists functions by share of
// busy samples: self (the function itself) and total (anywhere on the stack). Counting samples,
// not time deltas, keeps one long idle gap from being charged to whatever ran last.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

const IDLE = new Set(["(idle)", "(program)", "(root)", "(garbage collector)"]);

function label(node: ProfileNode): string {
  const name = node.callFrame.functionName || "(anonymous)";
  const url = node.callFrame.url
    .replace(/^file:\/\//, "")
    .replace(/^.*?\/(node_modules|dataplane|shared|bench)\//, "$1/");
  return url ? `${name}  ${url}:${node.callFrame.lineNumber + 1}` : `${name}  [native]`;
}

export function summarizeProfile(profile: CpuProfile, selfRows = 30, totalRows = 40): string {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const node = nodes.get(id);
    if (!node || IDLE.has(node.callFrame.functionName)) continue;
    busy += 1;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (
      let current: number | undefined = id;
      current !== undefined;
      current = parents.get(current)
    ) {
      const frame = nodes.get(current);
      if (!frame || frame.callFrame.functionName === "(root)") continue;
      const name = label(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  }
  const list = (counts: Map<string, number>, rows: number) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([name, samples]) => `${((100 * samples) / busy).toFixed(1).padStart(5)} %  ${name}`)
      .join("\n");
  return `busy samples: ${busy} of ${profile.samples.length}\n\nself\n${list(self, selfRows)}\n\ntotal\n${list(total, totalRows)}`;
}
