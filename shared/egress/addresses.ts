// IP addresses as 128-bit integers (IPv4 as its IPv4-mapped IPv6 form, so one set of ranges and
// one CIDR matcher serve both families) and the ranges an upstream call must not reach.

/** A parsed address: IPv4 is held as `::ffff:a.b.c.d`. */
export type Address = bigint;

const MAPPED_PREFIX = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

/** Parses a dotted-quad IPv4 address (four decimal parts, no leading zeros). */
function parseIpv4Number(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const byte = Number(part);
    if (byte > 255) return undefined;
    value = value * 256 + byte;
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let rest = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) is the last two groups written another way.
  const lastColon = rest.lastIndexOf(":");
  if (rest.includes(".", lastColon)) {
    const ipv4 = parseIpv4Number(rest.slice(lastColon + 1));
    if (ipv4 === undefined) return undefined;
    rest = `${rest.slice(0, lastColon + 1)}${(ipv4 >>> 16).toString(16)}:${(ipv4 & 0xffff).toString(16)}`;
  }
  const halves = rest.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string | undefined) =>
    half === undefined || half === "" ? [] : half.split(":");
  const head = groupsOf(halves[0]);
  const after = groupsOf(halves[1]);
  const present = head.length + after.length;
  // Without "::" all eight groups are written; with it, at least one is left out.
  if (halves.length === 1 ? present !== 8 : present > 7) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<string>(8 - present).fill("0"), ...after]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

/**
 * An IP literal as an Address, or undefined when the text is not one. Accepts URL hostnames as
 * WHATWG URL gives them (`[::1]` with brackets) and what DNS lookups return; a zone (`%eth0`) is
 * dropped.
 */
export function parseAddress(text: string): Address | undefined {
  let literal = text;
  if (literal.startsWith("[") && literal.endsWith("]")) literal = literal.slice(1, -1);
  const zone = literal.indexOf("%");
  if (zone >= 0) literal = literal.slice(0, zone);
  if (literal.includes(":")) return parseIpv6(literal);
  const ipv4 = parseIpv4Number(literal);
  return ipv4 === undefined ? undefined : MAPPED_PREFIX | BigInt(ipv4);
}

export function isIpv4(address: Address): boolean {
  return address >> 32n === 0xffffn;
}

export interface Cidr {
  base: Address;
  /** Prefix length in the 128-bit space (an IPv4 /8 is /104 here). */
  bits: number;
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). Throws naming what is wrong. */
export function parseCidr(text: string): Cidr {
  const [literal = "", prefix, extra] = text.split("/");
  if (extra !== undefined) throw new Error(`"${text}" is not an address or CIDR`);
  const address = parseAddress(literal);
  if (address === undefined) throw new Error(`"${text}" is not an address or CIDR`);
  const width = isIpv4(address) && !literal.includes(":") ? 32 : 128;
  let length = width;
  if (prefix !== undefined) {
    if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > width)
      throw new Error(`"${text}": the prefix length must be 0-${width}`);
    length = Number(prefix);
  }
  const bits = 128 - width + length;
  return { base: address & mask(bits), bits };
}

function mask(bits: number): bigint {
  return bits === 0 ? 0n : (ALL_ONES << BigInt(128 - bits)) & ALL_ONES;
}

export function cidrContains(cidr: Cidr, address: Address): boolean {
  return (address & mask(cidr.bits)) === cidr.base;
}

/** Why an address is off limits to upstream calls. */
export type AddressCategory =
  | "unspecified"
  | "loopback"
  | "private"
  | "shared (CGNAT)"
  | "link-local"
  | "metadata"
  | "unique-local"
  | "multicast"
  | "reserved";

const range = (text: string, category: AddressCategory) => ({ cidr: parseCidr(text), category });

// Most specific first: the metadata endpoints sit inside link-local and unique-local.
const REFUSED_RANGES = [
  range("169.254.169.254/32", "metadata"),
  range("fd00:ec2::254/128", "metadata"),
  range("0.0.0.0/8", "unspecified"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "shared (CGNAT)"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "reserved"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "reserved"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  // IPv4-compatible (deprecated) addresses: nothing public lives there.
  range("::/96", "reserved"),
  range("fc00::/7", "unique-local"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "link-local"),
  range("ff00::/8", "multicast"),
];

// Prefixes that carry an IPv4 address inside an IPv6 one: the IPv4 address decides.
const NAT64 = parseCidr("64:ff9b::/96");
const SIX_TO_FOUR = parseCidr("2002::/16");

/** The category that forbids the address, or null when it is a public address. */
export function classifyAddress(address: Address): AddressCategory | null {
  if (cidrContains(NAT64, address)) return classifyAddress(MAPPED_PREFIX | (address & 0xffffffffn));
  if (cidrContains(SIX_TO_FOUR, address))
    return classifyAddress(MAPPED_PREFIX | ((address >> 80n) & 0xffffffffn));
  for (const { cidr, category } of REFUSED_RANGES) {
    if (cidrContains(cidr, address)) return category;
  }
  return null;
}
