import { assert, assertEquals } from "../../test/fixtures/assert.ts";
import { cpuTicksOf, startCpuLoad } from "./cpu-load.ts";

Deno.test("startCpuLoad: the spinners burn CPU and are gone after stop()", async () => {
  const load = startCpuLoad(2);
  try {
    assertEquals(load.pids.length, 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const pid of load.pids) {
      const ticks = await cpuTicksOf(pid);
      // 1.5 s of spinning on a shared machine: at least 0.1 s of CPU (ticks are 10 ms).
      assert(ticks !== undefined && ticks >= 10, `spinner ${pid} used ${ticks} ticks`);
    }
  } finally {
    await load.stop();
  }
  for (const pid of load.pids) assertEquals(await cpuTicksOf(pid), undefined);
});
