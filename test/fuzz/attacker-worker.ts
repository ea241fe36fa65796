/** A worker running a group of network attackers (network-attackers.ts); the main thread hosts the honest clients. */
import { type AttackerConfig, AttackerGroup } from "./network-attackers.ts";

export type AttackerCommand = { type: "start"; config: AttackerConfig } | { type: "stop" };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<AttackerCommand>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};
let group: AttackerGroup | undefined;
const progress = setInterval(() => {
  if (group) scope.postMessage({ type: "progress", stats: group.stats() });
}, 1000);

scope.onmessage = async (event) => {
  const command = event.data;
  if (command.type === "start") {
    group = new AttackerGroup(command.config);
    group.start();
  } else if (group) {
    clearInterval(progress);
    scope.postMessage({ type: "done", stats: await group.stop() });
    scope.close();
  }
};
