/**
 * The WebRTC anchor's network path through the impairment proxy, as our call's: media from the
 * sender crosses two impaired links (the sender's uplink, then the receiver's downlink), as it
 * crosses the proxy twice on its way through the relay.
 *
 *   sender ──▶ proxy A (up) ──▶ proxy B (up) ──▶ receiver      (media)
 *   sender ◀── proxy A (down) ◀── proxy B (down) ◀── receiver  (feedback, ICE answers)
 *
 * Signalling is SDP munging, no TURN: the offer loses its candidates (the receiver cannot reach the
 * sender directly and learns it as a peer-reflexive address when the sender's checks arrive through
 * the proxies), and the answer's candidates become one: proxy A's loopback port. Proxy B targets
 * the receiver's real host candidate.
 */
import { ImpairmentProxy, resolveProfile } from "../../tools/impairment-proxy/impairment-proxy.ts";
import type { ProfileInput } from "../../tools/impairment-proxy/link-profile.ts";
import {
  type RunningSchedule,
  runSchedule,
  type ScheduleStep,
} from "../../tools/impairment-proxy/profile-schedule.ts";

export interface HostCandidate {
  hostname: string;
  port: number;
}

const CANDIDATE_LINE = /^a=candidate:/;

/** The SDP without its ICE candidates (and their end marker). */
export function withoutCandidates(sdp: string): string {
  return sdp
    .split("\r\n")
    .filter((line) => !CANDIDATE_LINE.test(line) && line !== "a=end-of-candidates")
    .join("\r\n");
}

/** The first IPv4 UDP host candidate of an SDP, or undefined. */
export function firstUdpHostCandidate(sdp: string): HostCandidate | undefined {
  for (const line of sdp.split("\r\n")) {
    if (!CANDIDATE_LINE.test(line)) continue;
    // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …
    const [, , transport, , address, port, , type] = line.slice("a=candidate:".length).split(" ");
    if (transport?.toLowerCase() !== "udp" || type !== "host") continue;
    if (!address || !/^\d+\.\d+\.\d+\.\d+$/.test(address)) continue;
    return { hostname: address, port: Number(port) };
  }
  return undefined;
}

/** The SDP with `candidate` (component 1, UDP host) as its only ICE candidate. */
export function withOnlyCandidate(sdp: string, candidate: HostCandidate): string {
  const lines = withoutCandidates(sdp).split("\r\n");
  const line = `a=candidate:1 1 udp 2122260223 ${candidate.hostname} ${candidate.port} typ host`;
  const out: string[] = [];
  for (const current of lines) {
    out.push(current);
    // After each media section's ICE credentials: one candidate per bundled section is enough,
    // but every m= section gets it so an unbundled answer still has one.
    if (current.startsWith("a=ice-pwd:")) out.push(line);
  }
  return out.join("\r\n");
}

/** Two proxies in a chain toward a receiver; close() stops both. */
export class WebRtcImpairedPath {
  readonly #first: ImpairmentProxy;
  readonly #second: ImpairmentProxy;

  constructor(receiver: HostCandidate, profile: ProfileInput | string, seed = 1) {
    this.#second = new ImpairmentProxy({ udpTarget: receiver, profile, seed: seed * 7 + 1 });
    const port = this.#second.udpPort;
    if (port === null) throw new Error("proxy B has no UDP side");
    try {
      this.#first = new ImpairmentProxy({
        udpTarget: { hostname: "127.0.0.1", port },
        profile,
        seed: seed * 7 + 2,
      });
    } catch (error) {
      this.#second.close();
      throw error;
    }
  }

  /** Where the sender sends: proxy A's loopback port. */
  get entry(): HostCandidate {
    const port = this.#first.udpPort;
    if (port === null) throw new Error("proxy A has no UDP side");
    return { hostname: "127.0.0.1", port };
  }

  setProfile(profile: ProfileInput | string): void {
    this.#first.setProfile(profile);
    this.#second.setProfile(profile);
  }

  /** As ImpairmentProxy.playSchedule, both proxies in step. */
  playSchedule(steps: readonly ScheduleStep[]): RunningSchedule {
    const resolved = steps.map((step) => ({
      profile: resolveProfile(step.profile),
      durationMs: step.durationMs,
    }));
    return runSchedule((profile) => this.setProfile(profile), resolved);
  }

  /** Datagrams the two proxies took in, both directions. */
  packetsIn(): number {
    let total = 0;
    for (const proxy of [this.#first, this.#second]) {
      const { up, down } = proxy.counters();
      total += up.packetsIn + down.packetsIn;
    }
    return total;
  }

  close(): void {
    this.#first.close();
    this.#second.close();
  }
}
