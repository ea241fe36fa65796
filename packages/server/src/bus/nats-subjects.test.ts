import assert from "node:assert/strict";
import { isControlSubject, NatsSubjects } from "./nats-subjects.ts";

Deno.test("media subjects carry the layer; the control wildcard and check never take layer-0 media for control", () => {
  assert.equal(NatsSubjects.layerPackets("m1", 7, 2, 0), "vc.m.m1.p.7.2.0");
  assert.equal(NatsSubjects.trackPackets("m1", 7, 2), "vc.m.m1.p.7.2.*");
  assert.equal(NatsSubjects.publisherControl("m1", 7), "vc.m.m1.p.7.0");
  assert.equal(isControlSubject(NatsSubjects.publisherControl("m1", 7)), true);
  assert.equal(isControlSubject(NatsSubjects.layerPackets("m1", 7, 2, 0)), false, "layer 0 ends in .0 too");
  assert.equal(isControlSubject(NatsSubjects.layerPackets("m1", 7, 10, 3)), false);
  // `.p.*.0` matches six tokens only, as NATS matches `*` against exactly one token.
  assert.equal(NatsSubjects.controlPackets("m1").split(".").length, 6);
  assert.equal(NatsSubjects.layerPackets("m1", 7, 2, 0).split(".").length, 7);
});
