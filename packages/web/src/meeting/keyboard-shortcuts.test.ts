import { strictEqual } from "node:assert/strict";
import { inviteLink, parseInvite } from "../home/invite-link.ts";
import { type KeyPress, shortcutFor } from "./keyboard-shortcuts.ts";

const press = (overrides: Partial<KeyPress>): KeyPress => ({
  code: "",
  key: "",
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  repeat: false,
  typing: false,
  ...overrides,
});

Deno.test("M and V toggle microphone and camera, by key position (an Arabic layout types ة for M)", () => {
  strictEqual(shortcutFor(press({ code: "KeyM", key: "m" })), "microphone");
  strictEqual(shortcutFor(press({ code: "KeyM", key: "ة" })), "microphone");
  strictEqual(shortcutFor(press({ code: "KeyV", key: "v" })), "camera");
  strictEqual(shortcutFor(press({ code: "KeyD", key: "d", ctrlKey: true })), "microphone");
  strictEqual(shortcutFor(press({ code: "KeyE", key: "e", metaKey: true })), "camera");
  strictEqual(shortcutFor(press({ code: "KeyQ", key: "q", altKey: true })), "leave");
  strictEqual(shortcutFor(press({ code: "Slash", key: "?", shiftKey: true })), "help");
  strictEqual(shortcutFor(press({ code: "Slash", key: "؟", shiftKey: true })), "help");
});

Deno.test("no shortcut while typing, on key repeat, or with other modifiers", () => {
  strictEqual(shortcutFor(press({ code: "KeyM", key: "m", typing: true })), undefined);
  strictEqual(shortcutFor(press({ code: "KeyM", key: "m", repeat: true })), undefined);
  strictEqual(shortcutFor(press({ code: "KeyM", key: "M", shiftKey: true })), undefined);
  strictEqual(shortcutFor(press({ code: "KeyM", key: "m", ctrlKey: true })), undefined);
  strictEqual(shortcutFor(press({ code: "KeyQ", key: "q" })), undefined);
  strictEqual(shortcutFor(press({ code: "KeyV", key: "v", ctrlKey: true })), undefined, "paste stays paste");
  strictEqual(shortcutFor(press({ code: "KeyQ", key: "q", altKey: true, ctrlKey: true })), undefined);
});

Deno.test("the invite link opens the start page with the meeting id, and end-to-end encryption if it was on", () => {
  strictEqual(
    inviteLink("https://meet.example", "team-sync", false),
    "https://meet.example/?meeting=team-sync",
  );
  strictEqual(inviteLink("https://meet.example", "a&b", true), "https://meet.example/?meeting=a%26b&e2ee=1");
  const invite = parseInvite("?meeting=a%26b&e2ee=1");
  strictEqual(invite.meetingId, "a&b");
  strictEqual(invite.e2ee, true);
  strictEqual(parseInvite("").meetingId, undefined);
});
