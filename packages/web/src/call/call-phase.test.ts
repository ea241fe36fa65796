import { ok } from "node:assert/strict";
import { type CallFailure, type CallPhase, canJoin, canMove } from "./call-phase.ts";

const failure = (fatal: boolean): CallFailure => ({
  closeCode: undefined,
  detail: "",
  during: "join",
  fatal,
});

Deno.test("Join is offered once the devices have answered, not before", () => {
  ok(!canJoin({ kind: "preview", devicesReady: false }));
  ok(canJoin({ kind: "preview", devicesReady: true }));
  ok(!canJoin({ kind: "joining" }));
  ok(!canJoin({ kind: "joined", sessionId: 1, transport: "websocket" }));
});

Deno.test("after a failure that a retry may fix Join is offered again; after a refusal it is not", () => {
  const retryable: CallPhase = { kind: "failed", failure: failure(false) };
  const refused: CallPhase = { kind: "failed", failure: failure(true) };
  ok(canJoin(retryable) && canMove(retryable, "joining"));
  ok(!canJoin(refused) && !canMove(refused, "joining"));
});

Deno.test("a call is only entered through joining, and leaving is final", () => {
  ok(!canMove({ kind: "preview", devicesReady: true }, "joined"));
  ok(canMove({ kind: "joining" }, "joined"));
  ok(canMove({ kind: "joined", sessionId: 1, transport: "webtransport" }, "reconnecting"));
  const reconnecting: CallPhase = {
    kind: "reconnecting",
    attempt: 1,
    reason: "",
    closeCode: undefined,
    transport: "webtransport",
  };
  ok(canMove(reconnecting, "joined") && canMove(reconnecting, "failed"));
  // Rejoin goes back to the preview in the same page (the devices reopen there), nothing else.
  ok(canMove({ kind: "left" }, "preview"), "left -> preview");
  for (const next of ["joining", "joined", "reconnecting", "failed"] as const) {
    ok(!canMove({ kind: "left" }, next), `left -> ${next}`);
  }
});
