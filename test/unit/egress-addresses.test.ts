// The egress policy's address classifier, allow-list parser and settings: every range the policy
// refuses, in both families and in the IPv6 forms that carry an IPv4 address, and a bad allow-list
// entry named at start-up.
import { describe, expect, test } from "bun:test";
import {
  type AddressCategory,
  classifyAddress,
  parseAddress,
  parseCidr,
} from "#shared/egress/addresses.ts";
import { parseEgressAllow } from "#shared/egress/allow-list.ts";
import {
  controlPlaneSchema,
  dataPlaneSchema,
  embeddedSchema,
  readSettings,
  SettingsError,
} from "#shared/env/settings.ts";

const classify = (text: string) => {
  const address = parseAddress(text);
  if (address === undefined) throw new Error(`${text} did not parse`);
  return classifyAddress(address);
};

describe("address classifier", () => {
  test.each<[string, AddressCategory]>([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["10.20.30.40", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "shared (CGNAT)"],
    ["100.127.255.254", "shared (CGNAT)"],
    ["169.254.169.254", "metadata"],
    ["169.254.1.1", "link-local"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fd00:ec2::254", "metadata"],
    ["fd12:3456::1", "unique-local"],
    ["fc00::1", "unique-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["ff02::1", "multicast"],
  ])("%s is %s", (text, category) => {
    expect(classify(text)).toBe(category);
  });

  test.each<[string, AddressCategory]>([
    ["::ffff:127.0.0.1", "loopback"],
    ["[::ffff:7f00:1]", "loopback"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["64:ff9b::10.1.2.3", "private"],
    ["2002:7f00:1::1", "loopback"],
  ])("an IPv4 address inside IPv6 (%s) is judged as IPv4: %s", (text, category) => {
    expect(classify(text)).toBe(category);
  });

  test.each([
    "8.8.8.8",
    "100.128.0.1",
    "172.32.0.1",
    "169.253.255.255",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
  ])("%s is public", (text) => {
    expect(classify(text)).toBeNull();
  });

  test.each([
    "01.2.3.4",
    "1.2.3",
    "256.1.1.1",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "12345::",
    "example.com",
  ])("%s is not an address", (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  test("CIDRs: IPv4 and IPv6, a bare address is a single host, bad prefixes are named", () => {
    expect(parseCidr("10.0.0.0/8").bits).toBe(104);
    expect(parseCidr("10.1.2.3").bits).toBe(128);
    expect(parseCidr("fd00::/8").bits).toBe(8);
    expect(() => parseCidr("10.0.0.0/33")).toThrow('"10.0.0.0/33": the prefix length must be 0-32');
    expect(() => parseCidr("fd00::/129")).toThrow("must be 0-128");
    expect(() => parseCidr("1.2.3/8")).toThrow('"1.2.3/8" is not an address or CIDR');
  });
});

describe("allow list", () => {
  test("CIDRs, addresses, hosts and *.suffix wildcards, separated by commas or spaces", () => {
    const list = parseEgressAllow(
      "10.0.0.0/8, 127.0.0.1 ollama.internal *.corp.example [fd00::]/8",
    );
    expect(list.cidrs).toHaveLength(3);
    expect([...list.hosts]).toEqual(["ollama.internal"]);
    expect(list.hostSuffixes).toEqual([".corp.example"]);
  });

  test("a bad entry is named", () => {
    expect(() => parseEgressAllow("10.0.0.0/8,10.0.0.0/40")).toThrow("10.0.0.0/40");
    expect(() => parseEgressAllow("http://x")).toThrow('entry "http://x"');
    expect(() => parseEgressAllow("bad_host!")).toThrow('entry "bad_host!"');
  });
});

describe("egress settings", () => {
  const fleet = { NATS_URL: "nats://x:4222", MODELUX_SECRET_KEY: "a".repeat(64) };

  test("fleet processes enforce by default, the embedded default does not", () => {
    expect(readSettings(dataPlaneSchema, fleet).MODELUX_EGRESS_POLICY).toBe("enforce");
    expect(
      readSettings(controlPlaneSchema, { ...fleet, DATABASE_URL: "postgres://x/y" })
        .MODELUX_EGRESS_POLICY,
    ).toBe("enforce");
    expect(readSettings(embeddedSchema, {}).MODELUX_EGRESS_POLICY).toBe("off");
    expect(
      readSettings(embeddedSchema, { MODELUX_EGRESS_POLICY: "enforce" }).MODELUX_EGRESS_POLICY,
    ).toBe("enforce");
  });

  test("a bad policy or allow-list entry stops start-up, naming the variable and the entry", () => {
    let problems: string[] = [];
    try {
      readSettings(dataPlaneSchema, {
        ...fleet,
        MODELUX_EGRESS_POLICY: "strict",
        MODELUX_EGRESS_ALLOW: "127.0.0.1/32,10.0.0.0/99",
      });
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      problems = error.problems;
    }
    expect(problems).toContain('MODELUX_EGRESS_POLICY must be "enforce" or "off"');
    expect(problems).toContain(
      'MODELUX_EGRESS_ALLOW entry "10.0.0.0/99": the prefix length must be 0-32',
    );
  });
});
