import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { NodeDirectory } from "./node-directory.ts";

const heartbeat = (id: string, participants = 0) => ({ id, url: `http://${id}`, participants, meetings: 0 });

Deno.test("a node silent for lostAfterMs is lost once, and one that speaks again is recognised", () => {
  const directory = new NodeDirectory(3000);
  assertEquals(directory.observe(heartbeat("a"), 0), "new");
  assertEquals(directory.observe(heartbeat("b"), 0), "new");
  assertEquals(directory.observe(heartbeat("a", 2), 1000), "known");
  assertEquals(directory.sweep(2999), []);
  assertEquals(directory.sweep(3000), ["b"]);
  assertEquals(directory.sweep(3500), []);
  assertEquals(directory.list(3500), [{ ...heartbeat("a", 2), lastSeenMsAgo: 2500 }]);
  assertEquals(directory.observe(heartbeat("b"), 3600), "resurrected");
  assertEquals(directory.observe(heartbeat("b"), 3700), "known");
});

Deno.test("a leaving node is removed at once; restarting the clocks forgives our own outage", () => {
  const directory = new NodeDirectory(3000);
  directory.observe(heartbeat("a"), 0);
  directory.observe(heartbeat("b"), 0);
  assertEquals(directory.remove("a"), true);
  assertEquals(directory.remove("a"), false);
  directory.restartClocks(10_000);
  assertEquals(directory.sweep(12_999), []);
  assertEquals(directory.sweep(13_000), ["b"]);
  assertEquals(directory.size, 0);
});

Deno.test("a node known only from its presence messages is swept when silent, and listed only after a heartbeat", () => {
  const directory = new NodeDirectory(3000);
  directory.touch("early", 0);
  assertEquals(directory.list(0), [], "no URL yet: not offered to clients");
  assertEquals(directory.sweep(2999), []);
  assertEquals(directory.sweep(3000), ["early"], "it died before its first heartbeat: still declared lost");
  directory.touch("early", 3500);
  assertEquals(
    directory.sweep(10_000),
    [],
    "a lost node is not re-added by presence; its heartbeat resurrects it",
  );
});
