import { assertEquals } from "../../../../test/fixtures/assert.ts";
import { storageTransportMemory, transportMemoryOrigin } from "./transport-memory.ts";

function mapStorage(): { getItem(key: string): string | null; setItem(key: string, value: string): void } {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

Deno.test("a storage memory keeps the transport per origin, and reads anything else as nothing", () => {
  const storage = mapStorage();
  const memory = storageTransportMemory(storage);
  assertEquals(memory.recall("https://a.example"), undefined);
  memory.remember("https://a.example", "websocket");
  assertEquals(memory.recall("https://a.example"), "websocket");
  assertEquals(memory.recall("https://b.example"), undefined, "another origin has its own");
  // A second memory on the same storage (the next page load) reads it back.
  assertEquals(storageTransportMemory(storage).recall("https://a.example"), "websocket");
  storage.setItem("videocall.transport.https://c.example", "carrier-pigeon");
  assertEquals(
    memory.recall("https://c.example"),
    undefined,
    "a value another script wrote is not a transport",
  );
});

Deno.test("a storage that throws (blocked, over quota) reads as nothing remembered and never throws", () => {
  const memory = storageTransportMemory({
    getItem: () => {
      throw new Error("SecurityError");
    },
    setItem: () => {
      throw new Error("QuotaExceededError");
    },
  });
  memory.remember("https://a.example", "webtransport");
  assertEquals(memory.recall("https://a.example"), undefined);
});

Deno.test("ws, wss, http and https URLs of one server share its memory", () => {
  assertEquals(transportMemoryOrigin("ws://localhost:8080/x"), "http://localhost:8080");
  assertEquals(transportMemoryOrigin("http://localhost:8080"), "http://localhost:8080");
  assertEquals(transportMemoryOrigin("wss://meet.example/"), "https://meet.example");
});
