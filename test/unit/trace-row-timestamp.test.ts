// The request-log row's created_at is formatted with a cached per-second prefix (a hot-path
// saving); it must equal Date#toISOString for every millisecond, including across seconds.
import { expect, test } from "bun:test";
import { isoTimestamp } from "../../dataplane/trace/request-log-row.ts";

test("isoTimestamp equals Date#toISOString", () => {
  const fixed = [
    0, 1, 9, 10, 99, 100, 999, 1000, -1, -1001, 1_795_541_737_005, 253_402_300_799_999,
  ];
  for (const ms of fixed) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  // Consecutive milliseconds reuse the cached second, then move to the next one.
  for (let ms = 1_795_541_736_990; ms < 1_795_541_737_020; ms++)
    expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  for (let index = 0; index < 2_000; index++) {
    const ms = Math.floor(Math.random() * 4e12);
    expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  }
  expect(isoTimestamp(1.5)).toBe(new Date(1.5).toISOString());
  // Beyond year 9999 the ISO form is longer: no prefix caching there.
  expect(isoTimestamp(253_402_300_800_000)).toBe(new Date(253_402_300_800_000).toISOString());
});
