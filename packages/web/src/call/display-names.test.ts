import { strictEqual } from "node:assert/strict";
import { distinctNames } from "./display-names.ts";

Deno.test("two participants called alice get the ends of their identities; a unique name stays as it is", () => {
  const names = distinctNames([
    { username: "alice", identity: "guest:7c0e-aa11" },
    { username: "alice", identity: "guest:99b2-bb22" },
    { username: "bob", identity: "oidc:bob" },
  ]);
  strictEqual(names.get("guest:7c0e-aa11"), "alice · aa11");
  strictEqual(names.get("guest:99b2-bb22"), "alice · bb22");
  strictEqual(names.get("oidc:bob"), "bob");
});

Deno.test("a remote participant with our own name is told apart from us; two tiles of one identity are one name", () => {
  const names = distinctNames(
    [
      { username: "alice", identity: "guest:0001" },
      { username: "alice", identity: "guest:0001" },
    ],
    { username: "alice", identity: "guest:0002" },
  );
  strictEqual(names.get("guest:0001"), "alice · 0001");
  strictEqual(distinctNames([{ username: "alice", identity: "guest:0001" }]).get("guest:0001"), "alice");
});
