/**
 * The impairment proxy on the command line:
 *   npm run impair -- --udp 127.0.0.1:8443 --tcp 127.0.0.1:8080 --profile 4g
 * prints one JSON line with its ports ({"event":"listening",...}), then serves until Ctrl-C. Step
 * through conditions with `curl -X PUT --data '{"preset":"hotel"}' http://127.0.0.1:<control>/profile`,
 * or on a timer with `--schedule cap-2m:10,cap-300k:10,cap-2m:10` (`--loop` to repeat).
 */

import { Command, CommanderError, InvalidArgumentError } from "commander";
import { startControlServer } from "./control-server.ts";
import { ImpairmentProxy, ProfileError } from "./impairment-proxy.ts";
import type { ProfileInput } from "./link-profile.ts";
import { PRESET_NAMES } from "./presets.ts";
import { parseScheduleFlag, type ScheduleStep } from "./profile-schedule.ts";
import type { HostPort } from "./udp-proxy.ts";

function hostPort(raw: string): HostPort {
  const match = /^(.+):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new InvalidArgumentError("expected HOST:PORT, e.g. 127.0.0.1:8080.");
  return { hostname: match[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

function seed(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new InvalidArgumentError("expected an integer.");
  return value;
}

/** `--profile`: a preset's name, or a JSON file (`@profile.json`) or inline JSON (`{"delayMs": 50}`). */
function profileArgument(raw: string): unknown {
  if (!raw.startsWith("{") && !raw.startsWith("@")) return raw;
  let source = raw;
  if (raw.startsWith("@")) {
    try {
      source = Deno.readTextFileSync(raw.slice(1));
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${raw.slice(1)}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(source);
  } catch {
    throw new InvalidArgumentError("the profile is not valid JSON.");
  }
}

/** A wrong command line found after parsing (commander reports its own parse errors itself). */
class UsageError extends Error {}

function schedule(raw: string): ScheduleStep[] {
  const steps = parseScheduleFlag(raw);
  if (typeof steps === "string") throw new InvalidArgumentError(`${steps}, e.g. cap-2m:10,cap-300k:10.`);
  return steps;
}

interface Flags {
  udp?: HostPort;
  tcp?: HostPort;
  listenUdp: HostPort;
  listenTcp: HostPort;
  control: HostPort;
  profile: unknown;
  seed: number;
  schedule?: ScheduleStep[];
  loop?: boolean;
}

const program = new Command("impair")
  .description("a loopback proxy that delays, jitters, loses and caps UDP (WebTransport) and TCP (WebSocket)")
  .option("--udp <host:port>", "UDP target: the relay's WebTransport port", hostPort)
  .option("--tcp <host:port>", "TCP target: the relay's HTTP/WebSocket port", hostPort)
  .option("--listen-udp <host:port>", "where the UDP side listens", hostPort, {
    hostname: "127.0.0.1",
    port: 0,
  })
  .option("--listen-tcp <host:port>", "where the TCP side listens", hostPort, {
    hostname: "127.0.0.1",
    port: 0,
  })
  .option("--control <host:port>", "the HTTP control endpoint", hostPort, { hostname: "127.0.0.1", port: 0 })
  .option(
    "--profile <name|json|@file>",
    `a preset (${PRESET_NAMES.join(", ")}), inline JSON or @file.json`,
    profileArgument,
    "clean",
  )
  .option("--seed <n>", "seed for loss and jitter (same seed, same run)", seed, 1)
  .option(
    "--schedule <steps>",
    "step through presets, PRESET:SECONDS comma-separated (e.g. cap-2m:10,cap-300k:10,cap-2m:10); the last stays",
    schedule,
  )
  .option("--loop", "repeat the --schedule until stopped")
  .exitOverride();

try {
  program.parse(Deno.args, { from: "user" });
  const flags = program.opts<Flags>();
  if (!flags.udp && !flags.tcp) throw new UsageError("give --udp, --tcp or both.");
  const proxy = new ImpairmentProxy({
    ...(flags.udp ? { udpTarget: flags.udp, udpListen: flags.listenUdp } : {}),
    ...(flags.tcp ? { tcpTarget: flags.tcp, tcpListen: flags.listenTcp } : {}),
    profile: flags.profile as ProfileInput | string,
    seed: flags.seed,
  });
  const running = flags.schedule
    ? proxy.playSchedule(flags.schedule, { loop: flags.loop === true })
    : undefined;
  const control = startControlServer(proxy, flags.control.hostname, flags.control.port);
  console.log(
    JSON.stringify({
      event: "listening",
      udpPort: proxy.udpPort,
      tcpPort: proxy.tcpPort,
      controlUrl: `http://${flags.control.hostname}:${control.port}`,
    }),
  );
  const stop = () => {
    running?.stop();
    proxy.close();
    void control.close().then(() => Deno.exit(0));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
} catch (error) {
  if (error instanceof CommanderError) Deno.exit(error.exitCode === 0 ? 0 : 2);
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${message}`);
  Deno.exit(error instanceof ProfileError || error instanceof UsageError ? 2 : 1);
}
