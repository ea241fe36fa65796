import type { CallController } from "../call/call-controller.ts";
import { distinctNames } from "../call/display-names.ts";
import { t } from "../i18n/i18n.ts";
import { LocalVideo, MountedElement, Tile } from "./tile.tsx";

/** Our own preview first, then one tile per remote video track. */
export function TileGrid({ controller }: { controller: CallController }) {
  const camera = controller.cameraTrack.value;
  const tiles = controller.tiles.value;
  const self = controller.self.value;
  const username = self?.displayName ?? controller.route.username;
  // Two "alice"s (or one with our name) get a short suffix from their identities.
  const names = distinctNames(tiles, self ? { username, identity: self.identity } : undefined);
  // Columns so tiles stay as large as possible: 1, 2, 2, 2, 3, 3, …
  const columns = Math.max(1, Math.ceil(Math.sqrt(tiles.length + 1)));
  return (
    <section class="grid" aria-label={t("meeting.participants")} style={{ "--columns": String(columns) }}>
      <Tile
        kind="local"
        label={t("meeting.you", { username })}
        username={username}
        videoShowing={camera !== undefined && !controller.cameraOff.value}
        microphoneOn={!controller.microphoneMuted.value}
      >
        <LocalVideo track={camera} />
      </Tile>
      {tiles.map((tile) => (
        <Tile
          key={tile.key}
          kind="remote"
          label={
            tile.screen
              ? t("tile.screenOf", { username: names.get(tile.identity) ?? tile.username })
              : (names.get(tile.identity) ?? tile.username)
          }
          username={tile.username}
          videoShowing={tile.videoShowing}
          microphoneOn={tile.microphoneOn}
          sessionId={tile.sessionId}
          identity={tile.identity}
          trackId={tile.trackId}
          waitingForKeys={tile.waitingForKeys}
        >
          {tile.media && <MountedElement element={tile.media} />}
        </Tile>
      ))}
    </section>
  );
}
