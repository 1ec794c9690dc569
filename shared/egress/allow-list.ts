// MODELUX_EGRESS_ALLOW: the addresses and hosts an operator lets upstream calls reach although
// the egress policy would refuse them (a self-hosted model on the LAN, a test simulator).
import { type Address, type Cidr, cidrContains, parseCidr } from "./addresses.ts";

export interface EgressAllowList {
  cidrs: Cidr[];
  /** Exact host names, lower case. */
  hosts: Set<string>;
  /** `*.example.internal` entries, kept as `.example.internal`. */
  hostSuffixes: string[];
}

const HOST =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Parses a comma- or space-separated list of CIDRs, addresses, host names and `*.suffix`
 * wildcards. Throws naming the first entry that is none of these.
 */
export function parseEgressAllow(text: string | undefined): EgressAllowList {
  const list: EgressAllowList = { cidrs: [], hosts: new Set(), hostSuffixes: [] };
  for (const entry of (text ?? "").split(/[\s,]+/).filter(Boolean)) {
    const lower = entry.toLowerCase();
    if (/^[0-9.]+(\/.*)?$/.test(lower) || lower.includes(":") || lower.startsWith("[")) {
      try {
        list.cidrs.push(parseCidr(lower.replace(/^\[(.*)\](\/.*)?$/, "$1$2")));
      } catch (error) {
        throw new Error(`entry ${(error as Error).message}`);
      }
    } else if (lower.startsWith("*.") && HOST.test(lower.slice(2))) {
      list.hostSuffixes.push(lower.slice(1));
    } else if (HOST.test(lower)) {
      list.hosts.add(lower);
    } else {
      throw new Error(`entry "${entry}" is not a CIDR, an address, a host name or *.suffix`);
    }
  }
  return list;
}

export function allowsHost(list: EgressAllowList, hostname: string): boolean {
  const lower = hostname.toLowerCase();
  return list.hosts.has(lower) || list.hostSuffixes.some((suffix) => lower.endsWith(suffix));
}

export function allowsAddress(list: EgressAllowList, address: Address): boolean {
  return list.cidrs.some((cidr) => cidrContains(cidr, address));
}
