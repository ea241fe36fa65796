import { Codec, joinMeeting, type Media, MediaKind } from "@videocall/client";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startNats } from "../fixtures/nats.ts";
import { startServer } from "../fixtures/server.ts";
import { waitFor } from "../fixtures/wait.ts";
import { REPO_ROOT } from "./deploy-files.ts";

interface Target {
  expr: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  datasource?: { uid: string };
}

const dashboard = JSON.parse(
  await Deno.readTextFile(`${REPO_ROOT}deploy/grafana/videocall-dashboard.json`),
) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string }> };
};
const queries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((t) => ({ panel, expr: t.expr })),
);

/** The metric a histogram's series belong to: videocall_join_seconds_bucket -> videocall_join_seconds. */
function familyOf(series: string): string {
  return series.replace(/_(bucket|count|sum)$/, "");
}

/** Exposed families and the label names of their samples, from Prometheus text. */
function exposition(text: string): Map<string, Set<string>> {
  const families = new Map<string, Set<string>>();
  for (const line of text.split("\n")) {
    // A labelled counter never bumped (no internal error yet) has its TYPE line and no sample.
    const declared = /^# TYPE ([a-z_:][a-z0-9_:]*) /.exec(line);
    if (declared && !families.has(declared[1]!)) families.set(declared[1]!, new Set());
    const match = /^([a-z_:][a-z0-9_:]*)(\{([^}]*)\})? /.exec(line);
    if (!match) continue;
    const labels = families.get(familyOf(match[1]!)) ?? new Set<string>();
    families.set(familyOf(match[1]!), labels);
    for (const pair of (match[3] ?? "").matchAll(/([a-z_]+)="/g)) labels.add(pair[1]!);
  }
  return families;
}

function hasSamples(text: string, family: string): boolean {
  return new RegExp(`^${family}(_bucket|_count|_sum)?[{ ]`, "m").test(text);
}

Deno.test("the Grafana dashboard is well-formed: unique panel ids, every query on the chosen data source and filtered by node", () => {
  assertEquals(dashboard.uid, "videocall-relay");
  assert(dashboard.schemaVersion >= 36, "a schema current Grafana versions import");
  assertEquals(
    dashboard.templating.list.map((v) => v.name),
    ["datasource", "job", "instance"],
  );
  const ids = dashboard.panels.map((p) => p.id);
  assertEquals(new Set(ids).size, ids.length, "panel ids are unique");
  for (const panel of dashboard.panels) {
    assert(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the 24-column grid`);
    if (panel.type === "row") continue;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    assertEquals(panel.datasource?.uid, "${datasource}", `${panel.title} uses the data source variable`);
    assert((panel.targets ?? []).length > 0, `${panel.title} has a query`);
  }
  assert(queries.length >= 30);
  for (const { panel, expr } of queries) {
    for (const selector of expr.matchAll(/videocall_[a-z_]+\{([^}]*)\}/g)) {
      assert(
        selector[1]!.includes('instance=~"$instance"'),
        `${panel.title}: ${expr} follows the node picker`,
      );
    }
  }
});

Deno.test("every metric and label the dashboard queries is exported by a real relay on NATS after real joins and media", async () => {
  const nats = await startNats();
  const server = await startServer({ extraArgs: ["--nats-url", nats.urls] });
  try {
    const alice = await joinMeeting({ serverUrl: server.url, username: "alice", meetingId: "dash" });
    const bob = await joinMeeting({
      serverUrl: server.url,
      username: "bob",
      meetingId: "dash",
      transport: "websocket",
    });
    await waitFor("alice to see bob", () => alice.participants.size === 1);
    const toBob: Media[] = [];
    bob.events.on("media", (_from, media) => toBob.push(media));
    alice.publishTrack({ trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8 });
    const payload = new Uint8Array(500);
    for (let i = 0; i < 130; i++) {
      alice.sendFrame(2, { keyframe: i === 0, captureTimeUs: Date.now() * 1000, payload });
    }
    await waitFor("bob to get the frames", () => toBob.length === 130, 15_000);
    // Bad input, so videocall_bad_input_total has samples (and its reason label) to check.
    const refused = await joinMeeting({
      serverUrl: server.url,
      username: "no spaces",
      meetingId: "dash",
    }).then(
      () => false,
      () => true,
    );
    assert(refused);
    const text = await server.metrics();
    const families = exposition(text);
    const missing: string[] = [];
    for (const { panel, expr } of queries) {
      const read = new Set([...expr.matchAll(/videocall_[a-z_]+/g)].map(([series]) => familyOf(series)));
      for (const family of read) {
        if (!families.has(family)) missing.push(`${panel.title}: ${family}`);
      }
      if (read.size !== 1) continue;
      // One metric read: every label it is grouped by must be on it (instance and job are
      // Prometheus' target labels, le a histogram's buckets).
      const [family] = [...read] as [string];
      for (const by of expr.matchAll(/by \(([^)]*)\)/g)) {
        for (const label of by[1]!.split(",").map((l) => l.trim())) {
          if (label === "instance" || label === "job") continue;
          if (label === "le") {
            if (!text.includes(`${family}_bucket{le=`))
              missing.push(`${panel.title}: ${family} is no histogram`);
          } else if (hasSamples(text, family) && !families.get(family)?.has(label)) {
            missing.push(`${panel.title}: ${family} has no label ${label}`);
          }
        }
      }
    }
    assertEquals(missing, [], "queried but not exported");
    // The figures the dashboard shows are live, not just declared.
    assert(/^videocall_join_seconds_count 2$/m.test(text), "two joins timed");
    assert(/^videocall_forwarding_seconds_count [1-9]/m.test(text), "forwarding sampled");
    assert(/^videocall_bus_connected 1$/m.test(text), "linked to NATS");
    assert(/^videocall_participants 2$/m.test(text));
    await alice.leave();
    await bob.leave();
  } finally {
    await server.stop();
    await nats.stop();
  }
});
