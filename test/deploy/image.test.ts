/**
 * The Dockerfile without a container engine: its runtime stage is laid out on disk from exactly
 * the paths it COPYs out of the build stage (this checkout, where `npm install` has built the web
 * app), then started with exactly its ENTRYPOINT and ENV, as its USER when the test runs as root,
 * on files that user cannot write. Not covered: the build stage's commands, the base images, the
 * production-only node_modules of `npm prune` (the checkout's include dev dependencies).
 */
import { CloseCode, encodePacket } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { openRawClient } from "../fixtures/raw-client.ts";
import { waitFor } from "../fixtures/wait.ts";
import { REPO_ROOT, run } from "./deploy-files.ts";
import { execForm, instructions, parseDockerfile, stageEnv } from "./dockerfile.ts";

const dockerfile = parseDockerfile(await Deno.readTextFile(`${REPO_ROOT}Dockerfile`));
const build = dockerfile.stages[0]!;
const runtime = dockerfile.stages.at(-1)!;
const env = stageEnv(runtime);
const [uid, gid] = instructions(runtime, "USER")[0]!.args.split(":").map(Number) as [number, number];
const isRoot = Deno.uid() === 0;

Deno.test("Dockerfile: node:20-bookworm-slim build stage with npm ci and the web build; non-root runtime with TCP and UDP ports, a health check, a data volume and npm start's permissions", async () => {
  assertEquals(build.from, "node:20-bookworm-slim");
  assertEquals(build.name, "build");
  const buildRuns = instructions(build, "RUN").map((i) => i.args);
  assert(buildRuns.some((r) => r.startsWith("npm ci")));
  assert(buildRuns.some((r) => r.includes("npm run build:web")));
  assert(buildRuns.some((r) => r.startsWith("npm prune --omit=dev")));
  assert(uid > 0 && gid > 0, "a numeric non-root user, so Kubernetes' runAsNonRoot can check it");
  const exposed = instructions(runtime, "EXPOSE").flatMap((i) => i.args.split(/\s+/));
  assertEquals(exposed.sort(), [`${env.get("PORT")}/tcp`, `${env.get("PORT")}/udp`]);
  // The data dir lies inside the volume: PGlite's lock file sits beside it, where the user can write.
  const volume = JSON.parse(instructions(runtime, "VOLUME")[0]!.args) as string[];
  assertEquals(volume.length, 1);
  assert(env.get("VIDEOCALL_DATA_DIR")?.startsWith(`${volume[0]}/`), "the data dir is inside the volume");
  assertEquals(instructions(runtime, "STOPSIGNAL")[0]!.args, "SIGTERM");
  assert(instructions(runtime, "HEALTHCHECK")[0]!.args.includes("/app/deploy/docker/healthcheck.ts"));
  const entrypoint = execForm(instructions(runtime, "ENTRYPOINT")[0]!.args);
  const pkg = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}package.json`)) as {
    scripts: { start: string };
  };
  const flags = (words: string[]) => words.filter((w) => /^--(allow-|unstable-)/.test(w)).sort();
  assertEquals(
    flags(entrypoint),
    flags(pkg.scripts.start.split(/\s+/)),
    "the image runs what npm start runs",
  );
  assert(entrypoint.includes("--cached-only"), "nothing is fetched at run time");
  const ignored = await Deno.readTextFile(`${REPO_ROOT}.dockerignore`);
  for (const path of [".git", "**/node_modules", "packages/web/dist"]) assert(ignored.includes(path), path);
});

/** Maps a path inside the image to the staged copy. */
function staged(root: string, path: string): string {
  if (path === "/app" || path.startsWith("/app/")) return `${root}/app${path.slice(4)}`;
  const volume = env.get("VIDEOCALL_DATA_DIR")?.replace(/\/[^/]+$/, "");
  if (volume && (path === volume || path.startsWith(`${volume}/`)))
    return `${root}/data${path.slice(volume.length)}`;
  return path;
}

async function copy(from: string, to: string): Promise<void> {
  await Deno.mkdir(to.replace(/\/[^/]*\/?$/, ""), { recursive: true });
  // Hard links keep node_modules (hundreds of MB) cheap; a copy where links cannot cross devices.
  const linked = await run("cp", ["-al", from, to]);
  if (linked.code !== 0) {
    const copied = await run("cp", ["-a", from, to]);
    assertEquals(copied.code, 0, copied.stderr);
  }
}

/** Lays out the runtime stage under `root`: each `COPY --from=build` source from this checkout. */
async function stageImage(root: string): Promise<void> {
  const workdir = instructions(runtime, "WORKDIR")[0]!.args;
  for (const { args } of instructions(runtime, "COPY")) {
    const words = args.split(/\s+/).filter((w) => !w.startsWith("--chown"));
    assertEquals(words[0], "--from=build", `runtime COPY from the build stage only: ${args}`);
    const sources = words.slice(1, -1);
    const dest = words.at(-1)!;
    const destPath = dest.startsWith("/") ? dest : `${workdir}/${dest}`;
    for (const source of sources) {
      assert(source.startsWith("/app/"), source);
      const inCheckout = source === "/app/.deno-cache" ? undefined : `${REPO_ROOT}${source.slice(5)}`;
      const target = dest.endsWith("/") ? `${destPath}${source.split("/").at(-1)}` : destPath;
      if (inCheckout) await copy(inCheckout, staged(root, target.replace(/\/\.\//, "/")));
    }
  }
  // The build stage's `deno cache` step, with the same files, into the staged cache.
  const cacheStep = instructions(build, "RUN").find((i) => i.args.includes("deno cache"))!.args;
  const files = cacheStep
    .split(/\s+/)
    .filter((w) => w.endsWith(".ts"))
    .map((f) => `${root}/app/${f}`);
  const cached = await run(Deno.execPath(), ["cache", "--config", `${root}/app/deno.json`, ...files], {
    cwd: `${root}/app`,
    env: { DENO_DIR: `${root}/app/.deno-cache` },
  });
  assertEquals(cached.code, 0, cached.stderr);
  await Deno.mkdir(`${root}/data`);
  await Deno.mkdir(`${root}/tmp`);
  await Deno.chmod(`${root}/tmp`, 0o1777);
  await Deno.chmod(root, 0o755);
  if (isRoot) await Deno.chown(`${root}/data`, uid, gid);
}

async function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The image's command as its user (when we are root: setpriv), with the image's ENV. */
function imageCommand(root: string, argv: string[], extraEnv: Record<string, string>) {
  const resolved = argv
    .map((word) => staged(root, word))
    .map((word) => word.replace(/^\/app\//, `${root}/app/`));
  const environment: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    ...Object.fromEntries([...env].map(([k, v]) => [k, staged(root, v)])),
    TMPDIR: `${root}/tmp`,
    ...extraEnv,
  };
  const [command, ...args] = isRoot
    ? ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--", ...resolved]
    : resolved;
  return new Deno.Command(command!, {
    args,
    cwd: `${root}/app`,
    clearEnv: true,
    env: environment,
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("the runtime stage starts as laid out: read-only for its user, health check green, the web app served, a real join, SIGTERM drains with 1012 and exits 0", async () => {
  const root = await Deno.makeTempDir({ prefix: "videocall-image-" });
  let child: Deno.ChildProcess | undefined;
  try {
    await stageImage(root);
    const port = await freePort();
    // An operator's override, as compose and the chart set them; loopback only in tests.
    const overrides = { PORT: String(port), HOST: "127.0.0.1" };
    const entrypoint = execForm(instructions(runtime, "ENTRYPOINT")[0]!.args);
    child = imageCommand(root, entrypoint, overrides).spawn();
    let output = "";
    const decoder = new TextDecoder();
    const pumps = Promise.all(
      [child.stdout, child.stderr].map(async (stream) => {
        for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
      }),
    );
    await waitFor("the image's server to listen", () => output.includes('"event":"listening"'), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${output}`);
      },
    );
    const url = `http://127.0.0.1:${port}`;

    // Docker's rule: failures inside --start-period do not count (a first start runs PGlite's initdb,
    // which holds the event loop for seconds), then --retries failures in a row mean unhealthy.
    // The probe runs every second here instead of every --interval, within the same deadline.
    const healthArgs = instructions(runtime, "HEALTHCHECK")[0]!.args;
    const healthcheck = execForm(healthArgs);
    const seconds = (flag: string) => Number(new RegExp(`--${flag}=(\\d+)s`).exec(healthArgs)?.[1]);
    const retries = Number(/--retries=(\d+)/.exec(healthArgs)?.[1]);
    const healthDeadlineMs = (seconds("start-period") + retries * seconds("interval")) * 1000;
    assert(healthDeadlineMs > 0, `the HEALTHCHECK's timings parse: ${healthArgs}`);
    let lastHealthError = "";
    await waitFor(
      "the image's HEALTHCHECK to pass",
      async () => {
        const health = await imageCommand(root, healthcheck, overrides).output();
        lastHealthError = new TextDecoder().decode(health.stderr);
        return health.code === 0;
      },
      healthDeadlineMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${lastHealthError}\n${output}`);
    });

    const home = await fetch(`${url}/`);
    assertEquals(home.status, 200);
    assert((await home.text()).includes("<html"), "the built web app from packages/web/dist");
    // A new data volume means PGlite's first start (initdb in WebAssembly: 5-25 s here); the chart's
    // readiness probe waits for this, and so do we before joining.
    await waitFor(
      "the image's server to be ready (/readyz)",
      async () => (await fetch(`${url}/readyz`).then((r) => r.body?.cancel().then(() => r.status))) === 200,
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
    const client = await openRawClient("websocket", url, "alice", "image");
    client.send(encodePacket({ body: { case: "ping", value: { nonce: 7 } } }));
    await waitFor("the Welcome", () => client.received.some((p) => p.body.case === "welcome"));
    const webTransport = await openRawClient("webtransport", url, "bob", "image");
    await waitFor("bob's Welcome over WebTransport", () =>
      webTransport.received.some((p) => p.body.case === "welcome"),
    );

    if (isRoot) {
      // The user cannot write the app: a read-only root file system costs the server nothing.
      const probe = await imageCommand(
        root,
        ["/usr/bin/touch", "/app/packages/server/probe"],
        overrides,
      ).output();
      assert(probe.code !== 0, "the image's user cannot write /app");
    }

    child.kill("SIGTERM");
    const closed = await client.closed;
    assertEquals(closed.code, CloseCode.serviceRestart, "draining: clients are told to reconnect elsewhere");
    const status = await child.status;
    child = undefined;
    assertEquals(status.code, 0, output);
    await pumps;
    webTransport.close();
    assert(output.includes('"msg":"draining"'));
  } finally {
    if (child) {
      child.kill("SIGKILL");
      await child.status;
    }
    await Deno.remove(root, { recursive: true });
  }
});
