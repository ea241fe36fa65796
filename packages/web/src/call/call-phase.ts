/**
 * The meeting page's life cycle as a discriminated union: each phase carries exactly what is true
 * in it (a session id only while in the call, a failure only when failed), so no flag can
 * contradict another. `CallController` moves between phases only along `NEXT_PHASES`.
 */
import type { TransportKind } from "@videocall/client";

export interface CallFailure {
  /** The close code the server (or the client, 4003) gave, when there is one. */
  closeCode: number | undefined;
  /** The technical reason: the server's close reason or the error message. */
  detail: string;
  /** While joining (we never got in) or during the call. */
  during: "join" | "call";
  /** The server refused what this client did: retrying the same meeting cannot help. */
  fatal: boolean;
}

export type CallPhase =
  /** Devices open (or failed) before joining; `devicesReady` once both have answered. */
  | { kind: "preview"; devicesReady: boolean }
  | { kind: "joining" }
  /** Held in the meeting's waiting room until a host admits (joined) or denies (failed, 4042) us. */
  | { kind: "waiting" }
  | { kind: "joined"; sessionId: number; transport: TransportKind }
  /** The connection dropped and the session is trying again by itself. */
  | {
      kind: "reconnecting";
      attempt: number;
      reason: string;
      /** Close code of the drop, when the client library reports it. */
      closeCode: number | undefined;
      transport: TransportKind;
    }
  | { kind: "left" }
  | { kind: "failed"; failure: CallFailure };

export type CallPhaseKind = CallPhase["kind"];

/** The legal moves. A non-fatal failure leaves the devices open, so the user may join again. */
const NEXT_PHASES: Record<CallPhaseKind, readonly CallPhaseKind[]> = {
  preview: ["preview", "joining", "left"],
  joining: ["waiting", "joined", "failed", "left"],
  waiting: ["joined", "failed", "left"],
  joined: ["reconnecting", "left", "failed"],
  reconnecting: ["reconnecting", "joined", "left", "failed"],
  /** Rejoin: back to the preview in the same page, which reopens the devices. */
  left: ["preview"],
  failed: ["joining", "left"],
};

export function canMove(from: CallPhase, to: CallPhaseKind): boolean {
  if (from.kind === "failed" && to === "joining" && from.failure.fatal) return false;
  return NEXT_PHASES[from.kind].includes(to);
}

/** Join is offered once the devices have answered (joining earlier would leave the microphone out). */
export function canJoin(phase: CallPhase): boolean {
  return (
    (phase.kind === "preview" && phase.devicesReady) || (phase.kind === "failed" && !phase.failure.fatal)
  );
}

export function isInCall(phase: CallPhase): phase is Extract<CallPhase, { kind: "joined" | "reconnecting" }> {
  return phase.kind === "joined" || phase.kind === "reconnecting";
}
