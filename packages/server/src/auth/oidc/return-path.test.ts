import { strictEqual } from "node:assert/strict";
import { safeReturnPath } from "./return-path.ts";

Deno.test("a relative path on this server is kept, with its query and fragment", () => {
  strictEqual(safeReturnPath("/meeting/ada/design-review"), "/meeting/ada/design-review");
  strictEqual(safeReturnPath("/meeting/a/b?transport=websocket#x"), "/meeting/a/b?transport=websocket#x");
  strictEqual(safeReturnPath("/"), "/");
});

Deno.test("anything that could leave this origin returns home instead", () => {
  for (const hostile of [
    "https://evil.example",
    "https://evil.example/meeting/a/b",
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/%0d%0aSet-Cookie:x=y".replace("%0d%0a", "\r\n"),
    "javascript:alert(1)",
    "evil.example",
    "meeting/a/b",
    " /meeting",
    "",
    "/".repeat(3000),
  ]) {
    strictEqual(safeReturnPath(hostile), "/", hostile);
  }
  strictEqual(safeReturnPath(undefined), "/");
  strictEqual(safeReturnPath(null), "/");
});

Deno.test("dot segments resolve on this origin and stay on it", () => {
  strictEqual(safeReturnPath("/meeting/../../../x"), "/x");
  strictEqual(safeReturnPath("/./meeting"), "/meeting");
});
