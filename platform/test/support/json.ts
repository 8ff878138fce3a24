/**
 * A parsed JSON document (OpenAPI, response bodies) that assertions walk into by key. Typing every
 * document would only restate what the assertions already check.
 */
// biome-ignore lint/suspicious/noExplicitAny: JSON walked by assertions; a wrong key fails the test.
export type Json = Record<string, any>;
