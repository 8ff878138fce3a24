/**
 * The first object key that occurs twice in one object of a JSON text, at any depth. Only called on
 * text JSON.parse accepted, so the scan can trust the structure: it tracks the keys of each open
 * object and skips over strings (escapes included).
 */
export function duplicateKey(json: string): string | undefined {
  const open: (Set<string> | undefined)[] = []; // one entry per open object (a Set) or array
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === "{") {
      open.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      open.push(undefined);
    } else if (c === "}" || c === "]") {
      open.pop();
    } else if (c === ",") {
      expectKey = open.at(-1) !== undefined;
    } else if (c === '"') {
      const start = i;
      for (i++; json[i] !== '"'; i++) if (json[i] === "\\") i++;
      const keys = open.at(-1);
      if (expectKey && keys) {
        // Decoded, so "\u0063ount" and "count" are the same key.
        const key = JSON.parse(json.slice(start, i + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      expectKey = false;
    }
  }
  return undefined;
}
