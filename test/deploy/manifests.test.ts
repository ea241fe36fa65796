/**
 * The deployment files, checked with the real tools that run without a container engine or a
 * cluster: yamllint, docker-compose's own parser, helm lint and helm template, Kubernetes' JSON
 * schemas (kubernetes-models), systemd-analyze, and the server's own flag parser for the env they set.
 */

import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { parse, parseAllDocuments } from "yaml";
import { parseServerFlags } from "../../packages/server/src/config/server-flags.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { CHART, HELM, REPO_ROOT, run } from "./deploy-files.ts";

// deno-lint-ignore no-explicit-any
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read by known paths and checked by the schemas
type Manifest = Record<string, any>;

/**
 * Env names the manifests set that the server on main does not read yet: the contract of work
 * landing beside this (database, room tokens, sign-in). Each must appear in `--help` once it lands.
 */
const CONTRACT_PENDING = new Set([
  "DATABASE_URL",
  "VIDEOCALL_DATA_DIR",
  "VIDEOCALL_API_KEY",
  "VIDEOCALL_API_SECRET",
]);
/** Read by the logger and by Deno itself, not by the flag parser. */
const RUNTIME_ENV = new Set(["LOG_LEVEL", "DENO_DIR", "DENO_NO_UPDATE_CHECK", "NO_COLOR"]);

const SCHEMAS: Record<string, (data: Manifest) => { validate(): void }> = {
  "v1/Secret": (data) => new Secret(data),
  "v1/Service": (data) => new Service(data),
  "apps/v1/Deployment": (data) => new Deployment(data),
  "autoscaling/v2/HorizontalPodAutoscaler": (data) => new HorizontalPodAutoscaler(data),
  "policy/v1/PodDisruptionBudget": (data) => new PodDisruptionBudget(data),
  "monitoring.coreos.com/v1/ServiceMonitor": (data) =>
    new ServiceMonitor(data as ConstructorParameters<typeof ServiceMonitor>[0]),
};

const helmPlatform = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

async function serverEnvNames(): Promise<Set<string>> {
  const help = await run(Deno.execPath(), [
    "run",
    "--config",
    `${REPO_ROOT}deno.json`,
    "-A",
    `${REPO_ROOT}packages/server/src/main.ts`,
    "--help",
  ]);
  assertEquals(help.code, 0, help.stderr);
  return new Set([...help.stdout.matchAll(/env: ([A-Z_]+)/g)].map((m) => m[1]!));
}

async function helmTemplate(args: string[]): Promise<Manifest[]> {
  const rendered = await run(HELM, ["template", "vc", CHART, ...args]);
  assertEquals(rendered.code, 0, rendered.stderr);
  const lint = await run("yamllint", ["-c", `${REPO_ROOT}.yamllint.yaml`, "-"], { stdin: rendered.stdout });
  assertEquals(lint.code, 0, `yamllint on the rendered chart:\n${lint.stdout}`);
  return parseAllDocuments(rendered.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

function validateSchemas(manifests: Manifest[]): void {
  for (const manifest of manifests) {
    const key = `${manifest.apiVersion}/${manifest.kind}`;
    const model = SCHEMAS[key];
    assert(model, `no schema for ${key}`);
    model(manifest).validate(); // throws with the path of the first violation
  }
}

function byKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** A container's literal env (valueFrom entries are the cluster's to fill) as a map. */
function literalEnv(container: Manifest): Map<string, string> {
  return new Map(
    (container.env as Manifest[]).filter((e) => e.value !== undefined).map((e) => [e.name, String(e.value)]),
  );
}

/** Runs the server's flag parser with exactly `env` set (and restores the environment). */
function parseWithEnv(env: Map<string, string>) {
  const saved = Deno.env.toObject();
  for (const name of Object.keys(saved)) Deno.env.delete(name);
  for (const [name, value] of env) Deno.env.set(name, value);
  try {
    const parsed = parseServerFlags([]);
    assert(parsed.kind === "run");
    return parsed.flags;
  } finally {
    for (const name of Object.keys(Deno.env.toObject())) Deno.env.delete(name);
    for (const [name, value] of Object.entries(saved)) Deno.env.set(name, value);
  }
}

Deno.test("yamllint passes over deploy/ (compose, chart values and metadata)", async () => {
  const lint = await run("yamllint", ["-c", ".yamllint.yaml", "deploy", ".yamllint.yaml"]);
  assertEquals(lint.code, 0, lint.stdout + lint.stderr);
});

Deno.test("compose: docker-compose accepts it; 2 relays with their own TCP+UDP port pair and public URL, a 3-node NATS cluster, PostgreSQL with a volume", async () => {
  const config = await run("docker-compose", ["-f", "deploy/compose.yaml", "config"]);
  assertEquals(config.code, 0, config.stderr);
  const compose = parse(config.stdout) as Manifest;
  const services = compose.services as Record<string, Manifest>;
  assertEquals(Object.keys(services).sort(), [
    "nats-1",
    "nats-2",
    "nats-3",
    "postgres",
    "relay-1",
    "relay-2",
  ]);
  const known = await serverEnvNames();
  for (const name of ["relay-1", "relay-2"]) {
    const relay = services[name]!;
    const env = new Map(Object.entries(relay.environment as Record<string, string>));
    const port = env.get("PORT")!;
    const published = (relay.ports as Manifest[])
      .map((p) => `${p.published}:${p.target}/${p.protocol}`)
      .sort();
    assertEquals(
      published,
      [`${port}:${port}/tcp`, `${port}:${port}/udp`],
      `${name}: the same number outside and in`,
    );
    assertEquals(env.get("PUBLIC_URL"), `http://localhost:${port}`);
    assertEquals(env.get("NODE_ID"), name);
    assertEquals(env.get("NATS_URL"), "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222");
    assert(
      env.get("DATABASE_URL")?.startsWith("postgres://videocall:"),
      "PostgreSQL, not each node's PGlite",
    );
    assert(relay.read_only === true && (relay.tmpfs as string[]).includes("/tmp"));
    assertEquals(relay.depends_on.postgres.condition, "service_healthy");
    assert(relay.healthcheck.test.includes("/app/deploy/docker/healthcheck.ts"));
    for (const variable of env.keys()) {
      assert(known.has(variable) || CONTRACT_PENDING.has(variable) || RUNTIME_ENV.has(variable), variable);
    }
    const flags = parseWithEnv(new Map([...env].filter(([k]) => known.has(k))));
    assertEquals(flags.port, Number(port));
    assertEquals(flags.natsUrls?.length, 3);
    assertEquals(flags.limits.maxParticipantsPerMeeting, 500);
  }
  for (const name of ["nats-1", "nats-2", "nats-3"]) {
    const args = (services[name]!.command as string[]).join(" ");
    assert(args.includes(`--name=${name}`) && args.includes("--cluster_name=videocall"), args);
    assert(args.includes("--routes=nats://nats-1:6222,nats://nats-2:6222,nats://nats-3:6222"), args);
  }
  // docker-compose 1.x prints short volume syntax (name:path:mode), 2.x long syntax.
  const volumes = (services.postgres!.volumes as Array<string | Manifest>).map((v) =>
    typeof v === "string" ? v : `${v.source}:${v.target}`,
  );
  assert(
    volumes.some((v) => v.startsWith("postgres-data:/var/lib/postgresql/data")),
    volumes.join(),
  );
  assert("postgres-data" in compose.volumes);
});

Deno.test({
  name: "chart: helm lint passes; default and production values render to manifests valid against the Kubernetes schemas",
  ignore: !helmPlatform,
  async fn() {
    for (const values of [[], ["-f", `${CHART}/ci/production-values.yaml`]]) {
      const lint = await run(HELM, ["lint", "--strict", CHART, ...values]);
      assertEquals(lint.code, 0, lint.stdout + lint.stderr);
      validateSchemas(await helmTemplate(values));
    }
    // The schemas do catch a wrong manifest: a port as text.
    const [deployment] = byKind(await helmTemplate([]), "Deployment");
    deployment!.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
    let refused = false;
    try {
      validateSchemas([deployment!]);
    } catch {
      refused = true;
    }
    assert(refused, "the schema check refuses a port given as text");
  },
});

Deno.test({
  name: "chart: readiness on /readyz apart from liveness on /healthz, a preStop drain inside the grace period, TCP and UDP Services, PDB, HPA on participants, TLS, non-root read-only pods",
  ignore: !helmPlatform,
  async fn() {
    const manifests = await helmTemplate(["-f", `${CHART}/ci/production-values.yaml`]);
    assertEquals(byKind(manifests, "Deployment").length, 1);
    const deployment = byKind(manifests, "Deployment")[0]!;
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers as Manifest[];
    assertEquals(container!.readinessProbe.httpGet.path, "/readyz");
    assertEquals(container!.livenessProbe.httpGet.path, "/healthz");
    assertEquals(
      container!.readinessProbe.httpGet.scheme,
      "HTTPS",
      "a mounted certificate: the probes speak TLS",
    );
    const preStopSeconds = Number(container!.lifecycle.preStop.exec.command[1]);
    assert(preStopSeconds >= 5);
    // The server exits at most 5 s after SIGTERM (main.ts); the grace period must cover both.
    assert(pod.terminationGracePeriodSeconds >= preStopSeconds + 5 + 5);
    assertEquals(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);

    const env = literalEnv(container!);
    const services = byKind(manifests, "Service");
    const udp = services.find((s) => s.spec.ports[0].protocol === "UDP")!;
    const tcp = services.find((s) => s.spec.ports[0].protocol === "TCP")!;
    assertEquals(udp.spec.ports[0].targetPort, "webtransport");
    assertEquals(tcp.spec.ports[0].targetPort, "http");
    const ports = new Map((container!.ports as Manifest[]).map((p) => [p.name, p]));
    assertEquals(ports.get("webtransport")!.protocol, "UDP");
    assertEquals(String(ports.get("webtransport")!.containerPort), env.get("WEBTRANSPORT_PORT"));
    assertEquals(String(ports.get("http")!.containerPort), env.get("PORT"));
    assertEquals(
      env.get("WEBTRANSPORT_PUBLIC_PORT"),
      String(udp.spec.ports[0].port),
      "browsers get the Service's UDP port",
    );
    const fromSecrets = (container!.env as Manifest[])
      .filter((e) => e.valueFrom?.secretKeyRef)
      .map((e) => e.name);
    assertEquals(fromSecrets, ["DATABASE_URL"]);
    assertEquals(container!.envFrom[0].secretRef.name, "videocall-auth");
    assertEquals(env.get("TLS_CERT_FILE"), "/etc/videocall/tls/tls.crt");
    const mounts = new Map((container!.volumeMounts as Manifest[]).map((m) => [m.mountPath, m]));
    assert(mounts.get("/etc/videocall/tls")?.readOnly);
    assert(mounts.has("/tmp") && mounts.has("/var/lib/videocall"), "the writable paths of a read-only pod");
    assertEquals(
      env.get("VIDEOCALL_DATA_DIR"),
      "/var/lib/videocall/pglite",
      "inside the mounted volume, with its lock file",
    );

    assertEquals(container!.securityContext.readOnlyRootFilesystem, true);
    assertEquals(container!.securityContext.allowPrivilegeEscalation, false);
    assertEquals(container!.securityContext.capabilities.drop, ["ALL"]);
    assertEquals(pod.securityContext.runAsNonRoot, true);
    assertEquals(pod.securityContext.runAsUser, 10001, "the image's user");
    assertEquals(pod.enableServiceLinks, false);

    const [pdb] = byKind(manifests, "PodDisruptionBudget");
    assertEquals(pdb!.spec.maxUnavailable, 1);
    const [hpa] = byKind(manifests, "HorizontalPodAutoscaler");
    assertEquals(hpa!.spec.metrics[0].pods.metric.name, "videocall_participants");
    assertEquals(hpa!.spec.metrics[0].pods.target.averageValue, "250");
    assertEquals(deployment.spec.replicas, undefined, "the HPA owns the replica count");
    assertEquals(byKind(manifests, "ServiceMonitor")[0]!.spec.endpoints[0].path, "/metrics");

    // The env the chart sets is what the server's own parser reads, values included.
    const known = await serverEnvNames();
    for (const name of (container!.env as Manifest[]).map((e) => e.name)) {
      assert(
        known.has(name) || CONTRACT_PENDING.has(name) || RUNTIME_ENV.has(name),
        `${name} is read by the server`,
      );
    }
    const flags = parseWithEnv(new Map([...env].filter(([k]) => known.has(k))));
    assertEquals(flags.webTransportPort, 8443);
    assertEquals(flags.webTransportPublicPort, 443);
    assertEquals(flags.natsUrls?.length, 3);
    assertEquals(flags.publicUrl, "https://call.example.com");
    assertEquals(flags.limits.maxQueuedBytes, 268435456, "large limits survive Helm's float numbers");
    assertEquals(flags.limits.maxParticipantsPerMeeting, 200);
  },
});

Deno.test({
  name: "chart: several replicas without NATS or a database, or an HPA without NATS, are refused at render time",
  ignore: !helmPlatform,
  async fn() {
    const noBus = await run(HELM, ["template", "vc", CHART, "--set", "replicaCount=3"]);
    assert(noBus.code !== 0 && noBus.stderr.includes("needs nats.url"), noBus.stderr);
    const noDatabase = await run(HELM, [
      "template",
      "vc",
      CHART,
      "--set",
      "replicaCount=3,nats.url=nats://n:4222",
    ]);
    assert(noDatabase.code !== 0 && noDatabase.stderr.includes("needs database.url"), noDatabase.stderr);
    const hpa = await run(HELM, ["template", "vc", CHART, "--set", "autoscaling.enabled=true"]);
    assert(hpa.code !== 0 && hpa.stderr.includes("autoscaling needs nats.url"), hpa.stderr);
    const single = await helmTemplate([]);
    const [container] = byKind(single, "Deployment")[0]!.spec.template.spec.containers as Manifest[];
    assertEquals(container!.readinessProbe.httpGet.scheme, "HTTP");
    assertEquals(byKind(single, "HorizontalPodAutoscaler").length, 0);
  },
});

Deno.test("systemd: the unit verifies without a warning, its exposure score is low, and it starts the server as npm start does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Point it at this checkout so systemd-analyze finds the binary and the EnvironmentFile.
    const unit = (await Deno.readTextFile(`${REPO_ROOT}deploy/systemd/videocall.service`))
      .replaceAll("/etc/videocall/videocall.env", `${REPO_ROOT}deploy/systemd/videocall.env`)
      .replaceAll("/opt/videocall/", REPO_ROOT);
    await Deno.writeTextFile(`${dir}/videocall.service`, unit);
    const verify = await run("systemd-analyze", ["verify", `${dir}/videocall.service`]);
    assertEquals(verify.code, 0, verify.stderr);
    assertEquals(verify.stderr.trim(), "", "no unknown keys or bad values");
    const security = await run("systemd-analyze", [
      "security",
      "--offline=true",
      "--threshold=20", // on the 0..100 scale: exposure 2.0 of 10
      `${dir}/videocall.service`,
    ]);
    assertEquals(security.code, 0, security.stdout.split("\n").slice(-3).join("\n"));
    for (const line of [
      "DynamicUser=yes",
      "StateDirectory=videocall",
      "ProtectSystem=strict",
      "PrivateTmp=yes",
    ]) {
      assert(unit.includes(`\n${line}\n`), line);
    }
    assert(!/^AmbientCapabilities=CAP/m.test(unit), "no capability unless a port below 1024 asks for it");
    const execStart = /^ExecStart=(.*)$/m.exec(unit)![1]!;
    assertEquals(permissionFlags(execStart), permissionFlags(await npmStartScript()));
    // Every key the env file sets or suggests is one the server reads.
    const known = await serverEnvNames();
    const envFile = await Deno.readTextFile(`${REPO_ROOT}deploy/systemd/videocall.env`);
    for (const [, name] of envFile.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)) {
      assert(known.has(name!) || CONTRACT_PENDING.has(name!) || RUNTIME_ENV.has(name!), name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function npmStartScript(): Promise<string> {
  const pkg = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}package.json`)) as {
    scripts: { start: string };
  };
  return pkg.scripts.start;
}

/** The Deno permission and runtime flags of a command line, sorted. */
export function permissionFlags(commandLine: string): string[] {
  return commandLine
    .split(/\s+/)
    .filter((word) => /^--(allow-|unstable-)/.test(word))
    .sort();
}
