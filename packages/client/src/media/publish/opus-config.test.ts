import { assertEquals } from "../../../../../test/fixtures/assert.ts";
import { OPUS_EXPECTED_LOSS_PERCENT, opusEncoderConfig, supportedOpusResilience } from "./opus-config.ts";

/** A stand-in for AudioEncoder.isConfigSupported that echoes back only the opus members it "knows". */
function browserKnowing(members: string[], supported = true) {
  const asked: AudioEncoderConfig[] = [];
  const isConfigSupported = (config: AudioEncoderConfig): Promise<AudioEncoderSupport> => {
    asked.push(config);
    const opus = Object.fromEntries(
      Object.entries(config.opus ?? {}).filter(([key]) => members.includes(key)),
    );
    return Promise.resolve({ supported, config: { ...config, opus } });
  };
  return { asked, isConfigSupported };
}

Deno.test("where the encoder takes them, the config carries in-band FEC, DTX and the expected loss", async () => {
  const browser = browserKnowing(["frameDuration", "complexity", "useinbandfec", "usedtx", "packetlossperc"]);
  const resilience = await supportedOpusResilience(browser.isConfigSupported);
  assertEquals(resilience, { useinbandfec: true, usedtx: true, packetlossperc: OPUS_EXPECTED_LOSS_PERCENT });
  assertEquals(browser.asked[0]?.opus?.useinbandfec, true, "the check asks for FEC");
  const config = opusEncoderConfig(48_000, 32_000, resilience);
  assertEquals(config.opus, {
    frameDuration: 20_000,
    complexity: 5,
    useinbandfec: true,
    usedtx: true,
    packetlossperc: OPUS_EXPECTED_LOSS_PERCENT,
  });
  assertEquals(
    [config.codec, config.sampleRate, config.numberOfChannels, config.bitrate],
    ["opus", 48_000, 1, 32_000],
  );
});

Deno.test("an encoder that does not know a member gets a config without it", async () => {
  const dtxOnly = await supportedOpusResilience(
    browserKnowing(["frameDuration", "usedtx"]).isConfigSupported,
  );
  assertEquals(dtxOnly, { usedtx: true });
  assertEquals(opusEncoderConfig(48_000, 32_000, dtxOnly).opus, {
    frameDuration: 20_000,
    complexity: 5,
    usedtx: true,
  });
  const none = await supportedOpusResilience(browserKnowing(["frameDuration"]).isConfigSupported);
  assertEquals(opusEncoderConfig(48_000, 32_000, none).opus, { frameDuration: 20_000, complexity: 5 });
});

Deno.test("an unsupported or failing check leaves the plain config", async () => {
  assertEquals(await supportedOpusResilience(browserKnowing(["useinbandfec"], false).isConfigSupported), {});
  assertEquals(await supportedOpusResilience(() => Promise.reject(new TypeError("bad config"))), {});
  assertEquals(
    opusEncoderConfig(0, 32_000).sampleRate,
    48_000,
    "an unknown microphone rate encodes at 48 kHz",
  );
});
