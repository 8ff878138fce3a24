import { describe, expect, test } from "bun:test";
import { matches, normalise, parseExamples } from "./readme-examples.ts";

const md = [
  "# Title", // 1
  "```sh", // 2
  "$ not run: an sh block", // 3
  "```", // 4
  "```console", // 5
  "# a comment", // 6
  "$ curl localhost:8080/a", // 7
  "{}", // 8
  "$ npx buf curl \\", // 9
  "    -d '{}' \\", // 10
  "    http://localhost:8082/x", // 11
  "{", // 12
  '  "a": 1', // 13
  "}", // 14
  "", // 15
  "$ true", // 16
  "```", // 17
].join("\n");

describe("parseExamples", () => {
  test("reads commands (continuations joined) and the lines printed under them, only in console blocks", () => {
    expect(parseExamples(md)).toEqual([
      { line: 7, command: "curl localhost:8080/a", expected: ["{}"] },
      {
        line: 9,
        command: "npx buf curl \\\n    -d '{}' \\\n    http://localhost:8082/x",
        expected: ["{", '  "a": 1', "}"],
      },
      { line: 16, command: "true", expected: [] },
    ]);
  });

  test("output with no command above it, or an unclosed block, is an error, not ignored", () => {
    expect(() => parseExamples("```console\nstray\n```")).toThrow("README.md:2: output without a command");
    expect(() => parseExamples("```console\n$ true\n")).toThrow("not closed");
    expect(() => parseExamples("```console\n$ curl \\\n```")).toThrow('ends in "\\"');
  });
});

describe("matches", () => {
  test("exact text, whatever the line ends and trailing blanks", () => {
    expect(matches(['{"order_id":10}'], '{"order_id":10}')).toBe(true);
    expect(matches(["a", "b"], "a  \r\nb\r\n\n")).toBe(true);
    expect(matches([], "")).toBe(true);
  });

  test("a changed answer does not match", () => {
    expect(matches(['{"order_id":10}'], '{"order_id":20}')).toBe(false);
    expect(matches(["a"], "a\nb")).toBe(false);
    expect(matches(["a", "b"], "a")).toBe(false);
    expect(matches([], "something")).toBe(false);
    // regular-expression characters in the README are text
    expect(matches(["a.c (x)"], "abc (x)")).toBe(false);
  });

  test("[..] stands for any text within its line", () => {
    expect(matches(['{"moment":"[..]","id":1}'], '{"moment":"2026-12-05T00:00:00Z","id":1}')).toBe(true);
    expect(matches(['{"moment":"[..]","id":1}'], '{"moment":"x","id":2}')).toBe(false);
    expect(matches(["a[..]"], "a\nb")).toBe(false);
  });

  test("a ... line stands for any number of lines, none included", () => {
    const curlI = "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\nx-request-id: 1\r\n\r\n{}";
    expect(matches(["HTTP/1.1 404 Not Found", "...", "{}"], curlI)).toBe(true);
    expect(matches(["HTTP/1.1 404 Not Found", "...", "{}"], "HTTP/1.1 404 Not Found\n{}")).toBe(true);
    expect(matches(["HTTP/1.1 200 OK", "...", "{}"], curlI)).toBe(false);
    expect(matches(["HTTP/1.1 404 Not Found", "..."], curlI)).toBe(true);
  });

  test("normalise keeps inner blank lines and drops trailing ones", () => {
    expect(normalise("a\r\n\r\nb \n\n")).toBe("a\n\nb\n");
    expect(normalise("\n\n")).toBe("");
  });
});
