// The Responses passthrough cuts the finished response out of its event's JSON as the upstream
// wrote it (dataplane/surfaces/responses/json-member.ts): each member's text must be exactly the
// bytes JSON.parse read that member from, whatever the spacing, escapes and nesting.
import { describe, expect, test } from "bun:test";
import { jsonMember } from "../../dataplane/surfaces/responses/json-member.ts";

const tricky = {
  type: "response.completed",
  sequence_number: 27,
  quote: 'she said "}" and \\ left',
  trailing_backslash: "ends with \\",
  braces: "{[",
  empty: {},
  list: [1, -2.5e-3, true, false, null, "]", { nested: ["}"] }],
  response: {
    id: "resp_1",
    output: [{ type: "message", content: [{ type: "output_text", text: "Grüße, 世界 🌍 \n" }] }],
    usage: { input_tokens: 12, output_tokens: 5 },
    metadata: null,
  },
  last: 0,
};

describe("jsonMember", () => {
  for (const [name, json] of [
    ["compact", JSON.stringify(tricky)],
    ["indented", JSON.stringify(tricky, null, 2)],
    ["tabs and CRLF", JSON.stringify(tricky, null, "\t").replaceAll("\n", "\r\n")],
  ] as const) {
    test(`${name}: every member reads back as JSON.parse read it`, () => {
      const parsed = JSON.parse(json) as Record<string, unknown>;
      for (const key of Object.keys(parsed)) {
        const text = jsonMember(json, key);
        expect(text).not.toBeNull();
        expect(JSON.parse(text as string)).toEqual(parsed[key]);
        expect(json.includes(text as string)).toBe(true);
      }
    });
  }

  test("the member's bytes as written: spacing, escapes and number spelling kept", () => {
    const response = '{ "id" : "resp_1", "text": "caf\\u00e9 \\"x\\"", "amount": 1.50 }';
    const json = `{"type": "response.completed" ,"response" :  ${response} , "sequence_number":3}`;
    expect(jsonMember(json, "response")).toBe(response);
    expect(jsonMember(json, "type")).toBe('"response.completed"');
    expect(jsonMember(json, "sequence_number")).toBe("3");
  });

  test("a member named twice is the last, as JSON.parse keeps it; an escaped name is its name", () => {
    expect(jsonMember('{"response":{"a":1},"response":{"b":2}}', "response")).toBe('{"b":2}');
    expect(jsonMember('{"respons\\u0065":[1]}', "response")).toBe("[1]");
    // A key inside a value is not the object's own.
    expect(jsonMember('{"outer":{"response":1}}', "response")).toBeNull();
  });

  test("null when absent or not an object", () => {
    expect(jsonMember('{"type":"x"}', "response")).toBeNull();
    expect(jsonMember("{}", "response")).toBeNull();
    expect(jsonMember('[{"response":1}]', "response")).toBeNull();
    expect(jsonMember('"response"', "response")).toBeNull();
    expect(jsonMember("", "response")).toBeNull();
  });
});
