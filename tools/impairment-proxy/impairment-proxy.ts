import { type DirectionCounters, LinkImpairment } from "./link-impairment.ts";
import { type ImpairmentProfile, type ProfileInput, parseImpairmentProfile } from "./link-profile.ts";
import { isPresetName, PRESET_NAMES, PRESETS } from "./presets.ts";
import { type RunningSchedule, runSchedule, type ScheduleStep } from "./profile-schedule.ts";
import { seededRandom } from "./seeded-random.ts";
import { TcpImpairmentProxy, type TcpProxyCounters } from "./tcp-proxy.ts";
import { type HostPort, UdpImpairmentProxy, type UdpProxyCounters } from "./udp-proxy.ts";

export interface ImpairmentProxyOptions {
  /** Where QUIC/WebTransport datagrams go (the relay's UDP port). */
  udpTarget?: HostPort;
  /** Where TCP/WebSocket connections go (the relay's HTTP port). */
  tcpTarget?: HostPort;
  /** Default 127.0.0.1 and a free port. */
  udpListen?: HostPort;
  tcpListen?: HostPort;
  /** A preset name or a profile; default clean. */
  profile?: ProfileInput | string;
  /** Seeds the loss and jitter draws (each direction its own stream): same seed, same run. */
  seed?: number;
}

export interface ImpairmentProxyCounters {
  up: DirectionCounters;
  down: DirectionCounters;
  udp: UdpProxyCounters | null;
  tcp: TcpProxyCounters | null;
}

export class ProfileError extends Error {
  override readonly name = "ProfileError";
}

/** A preset's name or a profile (e.g. parsed JSON) as a profile; throws ProfileError with the reason. */
export function resolveProfile(profile: unknown): ImpairmentProfile {
  if (typeof profile === "string") {
    if (!isPresetName(profile)) {
      throw new ProfileError(`unknown preset "${profile}" (presets: ${PRESET_NAMES.join(", ")})`);
    }
    return PRESETS[profile];
  }
  const parsed = parseImpairmentProfile(profile);
  if (!parsed.ok) throw new ProfileError(parsed.error);
  return parsed.profile;
}

/**
 * The impairment proxy: a UDP side for WebTransport and a TCP side for WebSocket, sharing one
 * impaired link per direction. Put it between a client and the relay (for WebTransport, the relay
 * advertises the proxy's UDP port: `--webtransport-public-port`).
 */
export class ImpairmentProxy {
  readonly #up: LinkImpairment;
  readonly #down: LinkImpairment;
  readonly #udp: UdpImpairmentProxy | undefined;
  readonly #tcp: TcpImpairmentProxy | undefined;
  #profile: ImpairmentProfile;

  constructor(options: ImpairmentProxyOptions) {
    const seed = options.seed ?? 1;
    this.#up = new LinkImpairment(seededRandom(seed * 2));
    this.#down = new LinkImpairment(seededRandom(seed * 2 + 1));
    this.#profile = resolveProfile(options.profile ?? "clean");
    this.setProfile(this.#profile);
    const loopback = { hostname: "127.0.0.1", port: 0 };
    try {
      this.#udp = options.udpTarget
        ? new UdpImpairmentProxy({
            listen: options.udpListen ?? loopback,
            target: options.udpTarget,
            up: this.#up,
            down: this.#down,
          })
        : undefined;
      this.#tcp = options.tcpTarget
        ? new TcpImpairmentProxy({
            listen: options.tcpListen ?? loopback,
            target: options.tcpTarget,
            up: this.#up,
            down: this.#down,
          })
        : undefined;
    } catch (error) {
      this.#udp?.close();
      throw error;
    }
  }

  /** The UDP port clients send to, or null without a UDP target. */
  get udpPort(): number | null {
    return this.#udp?.port ?? null;
  }

  get tcpPort(): number | null {
    return this.#tcp?.port ?? null;
  }

  /** http://127.0.0.1:<tcp port>, for a client's serverUrl (throws without a TCP target). */
  get tcpUrl(): string {
    if (!this.#tcp) throw new Error("this proxy has no TCP side");
    return `http://127.0.0.1:${this.#tcp.port}`;
  }

  get profile(): ImpairmentProfile {
    return this.#profile;
  }

  /** Takes effect on the next packet each way; packets already on their way keep their arrival times. */
  setProfile(profile: ProfileInput | string): void {
    const resolved = resolveProfile(profile);
    const nowMs = performance.now();
    this.#up.setProfile(resolved.up, nowMs);
    this.#down.setProfile(resolved.down, nowMs);
    this.#profile = resolved;
  }

  /**
   * Steps through profiles on a timer (see profile-schedule.ts); throws ProfileError before the first
   * step if any profile is invalid. A later setProfile does not stop it: stop() does.
   */
  playSchedule(steps: readonly ScheduleStep[], options: { loop?: boolean } = {}): RunningSchedule {
    const resolved = steps.map((step) => ({
      profile: resolveProfile(step.profile),
      durationMs: step.durationMs,
    }));
    return runSchedule((profile) => this.setProfile(profile), resolved, options);
  }

  counters(): ImpairmentProxyCounters {
    const nowMs = performance.now();
    return {
      up: this.#up.counters(nowMs),
      down: this.#down.counters(nowMs),
      udp: this.#udp?.counters() ?? null,
      tcp: this.#tcp?.counters() ?? null,
    };
  }

  close(): void {
    this.#udp?.close();
    this.#tcp?.close();
  }
}
