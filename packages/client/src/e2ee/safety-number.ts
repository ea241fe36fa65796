/**
 * Safety numbers: a short code two people compare (aloud, or side by side) to know that the
 * identity keys their browsers use are the ones the other side has, not a relay's substitute.
 *
 * Digits, after Signal's NumericFingerprint: for each party,
 *   h = SHA-512(version (2 B) || identity public key); 5 200 times h = SHA-512(h || identity public key);
 * the first 30 bytes give six 5-digit groups (each 5 bytes big-endian, mod 100 000). The two 30-digit
 * halves are sorted and joined: 60 digits in 12 groups of 5, the same on both sides. The iterations
 * make it costly to grind a key whose number collides with someone else's.
 *
 * Emoji: 8 symbols (6 bits each, 48 bits) from SHA-256(label || both keys in byte order, each
 * length-prefixed), for a quick glance; the digits are the stronger check.
 */
import { concatBytes, uint16BigEndian, utf8 } from "./bytes.ts";

export const SAFETY_NUMBER_ITERATIONS = 5_200;
const VERSION = 0;

/** 64 symbols that look unlike each other at small sizes. */
export const SAFETY_EMOJI: readonly string[] = [
  "🐶",
  "🐱",
  "🦁",
  "🐎",
  "🦄",
  "🐷",
  "🐘",
  "🐰",
  "🐼",
  "🐓",
  "🐧",
  "🐢",
  "🐟",
  "🐙",
  "🦋",
  "🌷",
  "🌳",
  "🌵",
  "🍄",
  "🌏",
  "🌙",
  "☁️",
  "🔥",
  "🍌",
  "🍎",
  "🍓",
  "🌽",
  "🍕",
  "🎂",
  "❤️",
  "😀",
  "🤖",
  "🎩",
  "👓",
  "🔧",
  "🎅",
  "👍",
  "☂️",
  "⌛",
  "⏰",
  "🎁",
  "💡",
  "📕",
  "✏️",
  "📎",
  "✂️",
  "🔒",
  "🔑",
  "🔨",
  "☎️",
  "🏁",
  "🚂",
  "🚲",
  "✈️",
  "🚀",
  "🏆",
  "⚽",
  "🎸",
  "🎺",
  "🔔",
  "⚓",
  "🎧",
  "📁",
  "📌",
];

export interface SafetyNumber {
  /** 60 decimal digits. */
  digits: string;
  /** The digits in 12 groups of 5, as people read them. */
  groups: string[];
  emoji: string[];
}

async function sha512(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-512", data));
}

/** One party's 30 digits. */
async function partyDigits(publicKey: Uint8Array<ArrayBuffer>, iterations: number): Promise<string> {
  let hash = await sha512(concatBytes(uint16BigEndian(VERSION), publicKey));
  for (let i = 0; i < iterations; i++) hash = await sha512(concatBytes(hash, publicKey));
  let digits = "";
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    // 5 bytes = 40 bits: still exact in a double.
    for (let i = 0; i < 5; i++) value = value * 256 + hash[chunk * 5 + i]!;
    digits += String(value % 100_000).padStart(5, "0");
  }
  return digits;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The same for (a, b) and (b, a); different when either key changes. `iterations` is for tests. */
export async function safetyNumber(
  ownPublicKey: Uint8Array<ArrayBuffer>,
  peerPublicKey: Uint8Array<ArrayBuffer>,
  iterations = SAFETY_NUMBER_ITERATIONS,
): Promise<SafetyNumber> {
  const halves = await Promise.all([
    partyDigits(ownPublicKey, iterations),
    partyDigits(peerPublicKey, iterations),
  ]);
  const digits = halves.sort().join("");
  const groups = digits.match(/\d{5}/g) ?? [];

  const [first, second] = [ownPublicKey, peerPublicKey].sort(compareBytes) as [
    Uint8Array<ArrayBuffer>,
    Uint8Array<ArrayBuffer>,
  ];
  const emojiHash = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      concatBytes(
        utf8("videocall e2ee 1.0 safety emoji"),
        uint16BigEndian(first.length),
        first,
        uint16BigEndian(second.length),
        second,
      ),
    ),
  );
  const emoji: string[] = [];
  for (let i = 0; i < 8; i++) {
    const bit = i * 6;
    const twoBytes = (emojiHash[bit >> 3]! << 8) | emojiHash[(bit >> 3) + 1]!;
    emoji.push(SAFETY_EMOJI[(twoBytes >> (10 - (bit & 7))) & 0x3f]!);
  }
  return { digits, groups, emoji };
}
