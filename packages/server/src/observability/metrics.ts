import { Counter, Gauge, Registry } from "prom-client";
import type { BusPacketStats } from "../bus/meeting-bus.ts";
import { LIMIT_LABELS } from "../limits/relay-limits.ts";
import type { RelayStats } from "./relay-stats.ts";

/** Live values the registry reads at scrape time besides the counters of RelayStats. */
export interface MetricsSources {
  /** Bytes waiting in all subscriber queues of the node. */
  queuedBytes: () => number;
  /** WebSocket batches held for their socket's earlier write (turn-batcher.ts; one count per process). */
  websocketBatchesHeld?: () => number;
  /** Packet counters of the bus linking this node to others, when there is one. */
  bus?: BusPacketStats | undefined;
}

/**
 * Prometheus exposition of the relay's counters. Values are read from `RelayStats` at scrape
 * time (`collect`), so the per-packet path never touches prom-client.
 */
export function createMetricsRegistry(stats: RelayStats, sources?: MetricsSources): Registry {
  const registry = new Registry();
  const transports = Object.entries(stats.byTransport);
  type Read = (s: (typeof transports)[number][1]) => number;
  const perTransport = (name: string, help: string, read: Read) => {
    if (!name.endsWith("_total")) {
      return new Gauge({
        name,
        help,
        labelNames: ["transport"],
        registers: [registry],
        collect() {
          for (const [transport, s] of transports) this.set({ transport }, read(s));
        },
      });
    }
    return new Counter({
      name,
      help,
      labelNames: ["transport"],
      registers: [registry],
      collect() {
        this.reset(); // the source of truth is RelayStats; prom-client counters cannot be set
        for (const [transport, s] of transports) this.inc({ transport }, read(s));
      },
    });
  };
  perTransport("videocall_connections", "Open client connections", (s) => s.connectionsOpen);
  perTransport(
    "videocall_connections_total",
    "Client connections accepted since start",
    (s) => s.connectionsTotal,
  );
  perTransport("videocall_packets_in_total", "Packets received from clients", (s) => s.packetsIn);
  perTransport("videocall_bytes_in_total", "Bytes received from clients", (s) => s.bytesIn);
  perTransport("videocall_packets_out_total", "Packets sent to clients", (s) => s.packetsOut);
  perTransport("videocall_bytes_out_total", "Bytes sent to clients", (s) => s.bytesOut);
  new Gauge({
    name: "videocall_meetings",
    help: "Meetings with at least one participant on this node",
    registers: [registry],
    collect() {
      this.set(stats.meetings);
    },
  });
  new Gauge({
    name: "videocall_participants",
    help: "Participants connected to this node",
    registers: [registry],
    collect() {
      this.set(stats.participants);
    },
  });
  new Counter({
    name: "videocall_packets_dropped_total",
    help: "Packets a subscriber's queue dropped, by reason",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ reason: "queue_full" }, stats.packetsDroppedQueueFull);
      this.inc({ reason: "awaiting_keyframe" }, stats.packetsDroppedAwaitingKeyframe);
    },
  });
  new Counter({
    name: "videocall_packets_not_subscribed_total",
    help: "Media packets a local receiver did not get because it had not subscribed to their track or layer",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.packetsNotSubscribed);
    },
  });
  new Counter({
    name: "videocall_audio_frames_not_forwarded_total",
    help: "Audio frames not forwarded because their speaker was not among the three loudest (top-3 audio)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.audioFramesNotForwarded);
    },
  });
  new Counter({
    name: "videocall_packets_dropped_no_grant_total",
    help: "Media packets dropped because their sender lacks the grant to publish that kind (docs/permissions.md)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.packetsDroppedNoGrant);
    },
  });
  new Counter({
    name: "videocall_keyframe_requests_total",
    help: "Key frame requests the relay sent to publishers on behalf of slow or newly subscribed subscribers",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.keyframeRequestsSent);
    },
  });
  new Counter({
    name: "videocall_keyframe_requests_deferred_total",
    help: "Key frame requests that came within 250 ms of the last for their track and layer, sent when the 250 ms were up",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.keyframeRequestsDeferred);
    },
  });
  new Counter({
    name: "videocall_layer_switches_total",
    help: "Simulcast layer switches completed for a subscriber (up or down, at a key frame of the new layer)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.layerSwitches);
    },
  });
  new Counter({
    name: "videocall_layer_demands_sent_total",
    help: "LayerDemand messages sent to publishers (which simulcast layers anyone receives changed)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.layerDemandsSent);
    },
  });
  new Counter({
    name: "videocall_host_commands_total",
    help: "Host commands (admit, deny, kick, mute, roles, settings, end) by outcome: done, refused (no authority), invalid, failed",
    labelNames: ["outcome"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(stats.hostCommands)) this.inc({ outcome }, count);
    },
  });
  new Counter({
    name: "videocall_chat_messages_total",
    help: "Chat messages by outcome: stored (and delivered) on this node, or refused (grant, shape, length, recipient, rate, store)",
    labelNames: ["outcome"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ outcome: "stored" }, stats.chatMessagesStored);
      this.inc({ outcome: "refused" }, stats.chatMessagesRefused);
    },
  });
  new Counter({
    name: "videocall_reactions_total",
    help: "Reactions by outcome: forwarded, or refused (unknown_emoji, rate_limited)",
    labelNames: ["outcome"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ outcome: "forwarded" }, stats.reactionsForwarded);
      for (const [outcome, count] of Object.entries(stats.reactionsRefused)) this.inc({ outcome }, count);
    },
  });
  new Counter({
    name: "videocall_packets_dropped_muted_by_host_total",
    help: "Media packets of a track kind a host muted, dropped at the publisher's connection",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.packetsDroppedMutedByHost);
    },
  });
  new Counter({
    name: "videocall_packets_dropped_waiting_total",
    help: "Packets from joiners held in the waiting room (other than pings, pongs and leaves), dropped",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.packetsDroppedWaiting);
    },
  });
  new Counter({
    name: "videocall_unknown_control_dropped_total",
    help: "Packets with a core body this relay does not know (12..31), dropped: a newer client's, never fatal",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.unknownControlDropped);
    },
  });
  new Counter({
    name: "videocall_extension_packets_forwarded_total",
    help: "Packets with an extension body (32..63) forwarded opaque from this node's clients",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.extensionPacketsForwarded);
    },
  });
  new Counter({
    name: "videocall_bad_input_total",
    help: "Connections closed or events counted for bad input, by reason",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of stats.badInput) this.inc({ reason }, count);
    },
  });
  new Counter({
    name: "videocall_internal_errors_total",
    help: "Unexpected exceptions caught and survived, by where: one connection closed (connection), a bus message dropped (bus), or process-wide",
    labelNames: ["where"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [where, count] of stats.internalErrors) this.inc({ where }, count);
    },
  });
  new Counter({
    name: "videocall_limit_hits_total",
    help: "Resource limit hits, by limit: refused connections and joins, dropped packets, cut handshakes (docs/limits.md)",
    labelNames: ["limit"],
    registers: [registry],
    collect() {
      this.reset();
      for (const limit of LIMIT_LABELS) this.inc({ limit }, stats.limitHits[limit]);
    },
  });
  new Gauge({
    name: "videocall_queued_bytes",
    help: "Bytes waiting in all subscriber queues of this node (limit: --max-queued-bytes)",
    registers: [registry],
    collect() {
      this.set(sources?.queuedBytes() ?? 0);
    },
  });
  new Counter({
    name: "videocall_websocket_batches_held_total",
    help: "WebSocket batches that waited for their socket's previous write and took later packets with them",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources?.websocketBatchesHeld?.() ?? 0);
    },
  });
  registry.registerMetric(stats.joinTime.histogram);
  registry.registerMetric(stats.forwardingTime.histogram);
  const bus = sources?.bus;
  if (bus) {
    new Counter({
      name: "videocall_bus_packets_total",
      help: "Packets this node published to and received from other nodes over the bus",
      labelNames: ["direction"],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ direction: "published" }, bus.packetsPublished);
        this.inc({ direction: "received" }, bus.packetsReceived);
      },
    });
    new Counter({
      name: "videocall_bus_received_bytes_total",
      help: "Bytes of the packets this node received from other nodes over the bus (what crossing nodes costs it)",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(bus.bytesReceived ?? 0);
      },
    });
    new Gauge({
      name: "videocall_bus_packet_subjects",
      help: "Packet subjects this node subscribes to (per wanted track, or one per meeting taking everything)",
      registers: [registry],
      collect() {
        this.set(bus.packetSubjects);
      },
    });
    registerBusHealth(registry, bus);
    new Counter({
      name: "videocall_bus_packet_subscribes_total",
      help: "Packet subjects this node subscribed to since it started (interest changes)",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(bus.packetSubjectSubscribes);
      },
    });
  }
  return registry;
}

/** The bus link's health, when the bus has one (NATS): up or down, reconnects, lost nodes, dropped messages. */
function registerBusHealth(registry: Registry, bus: BusPacketStats): void {
  if (bus.connected !== undefined) {
    new Gauge({
      name: "videocall_bus_connected",
      help: "1 while this node is linked to the bus (NATS), 0 while it is cut off (cross-node traffic paused)",
      registers: [registry],
      collect() {
        this.set(bus.connected ? 1 : 0);
      },
    });
  }
  const counters: Array<[string, string, () => number | undefined]> = [
    ["videocall_bus_reconnects_total", "Reconnections to the bus after losing it", () => bus.reconnects],
    [
      "videocall_bus_nodes_lost_total",
      "Other nodes declared gone (silent past their heartbeat, or left): their participants were removed",
      () => bus.nodesLost,
    ],
    [
      "videocall_bus_packets_dropped_disconnected_total",
      "Packets not published to other nodes because the bus was unreachable",
      () => bus.packetsDroppedDisconnected,
    ],
    [
      "videocall_bus_messages_failed_total",
      "Messages from other nodes dropped because they failed to decode, validate or process",
      () => bus.messagesFailed,
    ],
  ];
  for (const [name, help, read] of counters) {
    if (read() === undefined) continue;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read() ?? 0);
      },
    });
  }
}
