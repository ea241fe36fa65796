/**
 * What one direction of a link does to the packets it carries. Every field is optional in JSON and
 * defaults to a perfect link (no delay, no loss, no cap).
 */
export interface LinkProfile {
  /** One-way delay added to every packet. */
  delayMs: number;
  /** Each packet's delay varies uniformly within delayMs ± jitterMs (never below 0). */
  jitterMs: number;
  /**
   * Whether jitter may reorder datagrams (netem's behaviour: each packet its own delay). Default
   * false: a packet never overtakes the one before it, as behind a queue, which is where most real
   * jitter comes from; QUIC reads heavy reordering as loss and shrinks its window. Streams never reorder.
   */
  reorder?: boolean;
  /** Independent (Bernoulli) loss probability per packet, 0..1. */
  lossRate: number;
  /** Bursty loss (Gilbert–Elliott), applied on top of lossRate when set. */
  burstLoss?: GilbertElliottParameters;
  /** The bottleneck's rate; undefined: no cap. */
  rateBitsPerSecond?: number;
  /** Bytes that may wait for the bottleneck (only with a cap): more drop (UDP) or block the sender (TCP). */
  queueBytes: number;
}

/**
 * Two-state Markov loss (Gilbert 1960, Elliott 1963): per packet the state moves good→bad with
 * probability goodToBad and bad→good with badToGood, then the packet is lost with the state's loss
 * probability. A stay in the bad state lasts 1/badToGood packets on average.
 */
export interface GilbertElliottParameters {
  goodToBad: number;
  badToGood: number;
  lossInGood: number;
  lossInBad: number;
}

/** Both directions: `up` is client → target (toward the relay), `down` target → client. */
export interface ImpairmentProfile {
  up: LinkProfile;
  down: LinkProfile;
}

/** What setProfile and PUT /profile take: fields left out are a perfect link's. */
export type ProfileInput = { up?: Partial<LinkProfile>; down?: Partial<LinkProfile> } | Partial<LinkProfile>;

export const PERFECT_LINK: LinkProfile = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  lossRate: 0,
  queueBytes: 0,
});

/** A queue of this many milliseconds at the cap when a profile gives a cap but no queue. */
const DEFAULT_QUEUE_MS = 250;
const MAX_DELAY_MS = 60_000;
const MAX_QUEUE_BYTES = 64 * 1024 * 1024;

export type ProfileParseResult = { ok: true; profile: ImpairmentProfile } | { ok: false; error: string };

/**
 * Reads a profile from untrusted JSON: `{ up: {...}, down: {...} }`, or one link's fields for both
 * directions. Never throws; unknown fields and out-of-range numbers are errors with a reason.
 */
export function parseImpairmentProfile(json: unknown): ProfileParseResult {
  if (!isRecord(json)) return { ok: false, error: "a profile is a JSON object" };
  const keys = Object.keys(json);
  if (keys.includes("up") || keys.includes("down")) {
    const extra = keys.filter((key) => key !== "up" && key !== "down");
    if (extra.length > 0) return { ok: false, error: `unknown field ${extra[0]} beside up/down` };
    const up = parseLinkProfile(json.up ?? {}, "up");
    if (!up.ok) return up;
    const down = parseLinkProfile(json.down ?? {}, "down");
    if (!down.ok) return down;
    return { ok: true, profile: { up: up.link, down: down.link } };
  }
  const both = parseLinkProfile(json, "profile");
  return both.ok ? { ok: true, profile: { up: both.link, down: both.link } } : both;
}

type LinkParseResult = { ok: true; link: LinkProfile } | { ok: false; error: string };

const LINK_FIELDS = new Set([
  "delayMs",
  "jitterMs",
  "lossRate",
  "burstLoss",
  "rateBitsPerSecond",
  "queueBytes",
]);
const BURST_FIELDS = ["goodToBad", "badToGood", "lossInGood", "lossInBad"] as const;

export function parseLinkProfile(json: unknown, where: string): LinkParseResult {
  if (!isRecord(json)) return { ok: false, error: `${where} is not an object` };
  for (const key of Object.keys(json)) {
    if (!LINK_FIELDS.has(key)) return { ok: false, error: `${where}: unknown field ${key}` };
  }
  const fail = (error: string): LinkParseResult => ({ ok: false, error: `${where}: ${error}` });
  const delayMs = numberIn(json.delayMs, 0, 0, MAX_DELAY_MS);
  if (delayMs === undefined) return fail(`delayMs must be 0..${MAX_DELAY_MS}`);
  const jitterMs = numberIn(json.jitterMs, 0, 0, MAX_DELAY_MS);
  if (jitterMs === undefined) return fail(`jitterMs must be 0..${MAX_DELAY_MS}`);
  const lossRate = numberIn(json.lossRate, 0, 0, 1);
  if (lossRate === undefined) return fail("lossRate must be 0..1");
  const link: LinkProfile = { delayMs, jitterMs, lossRate, queueBytes: 0 };
  if (json.reorder !== undefined) {
    if (typeof json.reorder !== "boolean") return fail("reorder must be true or false");
    link.reorder = json.reorder;
  }
  if (json.burstLoss !== undefined) {
    const burst = json.burstLoss;
    if (!isRecord(burst)) return fail("burstLoss is not an object");
    for (const key of Object.keys(burst)) {
      if (!(BURST_FIELDS as readonly string[]).includes(key)) return fail(`burstLoss: unknown field ${key}`);
    }
    const values = BURST_FIELDS.map((key) => numberIn(burst[key], Number.NaN, 0, 1));
    const [goodToBad, badToGood, lossInGood, lossInBad] = values;
    if (
      goodToBad === undefined ||
      badToGood === undefined ||
      lossInGood === undefined ||
      lossInBad === undefined ||
      values.some(Number.isNaN)
    ) {
      return fail(`burstLoss needs ${BURST_FIELDS.join(", ")}, each 0..1`);
    }
    link.burstLoss = { goodToBad, badToGood, lossInGood, lossInBad };
  }
  if (json.rateBitsPerSecond !== undefined) {
    const rate = numberIn(json.rateBitsPerSecond, 0, 1000, 100e9);
    if (rate === undefined) return fail("rateBitsPerSecond must be 1000..1e11");
    link.rateBitsPerSecond = rate;
  }
  const defaultQueueBytes =
    link.rateBitsPerSecond === undefined ? 0 : Math.ceil((link.rateBitsPerSecond / 8000) * DEFAULT_QUEUE_MS);
  const queueBytes = numberIn(json.queueBytes, defaultQueueBytes, 0, MAX_QUEUE_BYTES);
  if (queueBytes === undefined) return fail(`queueBytes must be 0..${MAX_QUEUE_BYTES}`);
  link.queueBytes = queueBytes;
  return { ok: true, link };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value if it is a finite number in [min, max], the fallback if absent, else undefined. */
function numberIn(value: unknown, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) return undefined;
  return value;
}
