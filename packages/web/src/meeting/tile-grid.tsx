import type { CallController, RemoteTile } from "../call/call-controller.ts";
import { distinctNames } from "../call/display-names.ts";
import { t } from "../i18n/i18n.ts";
import { LocalVideo, MountedElement, Tile } from "./tile.tsx";

/**
 * Our own preview first, then one tile per remote video track. Active speakers' tiles have a ring;
 * the speaker view shows the dominant speaker's tile large and the others in a strip below it
 * (the same tiles, laid out by the stylesheet, so no canvas is remounted when the speaker changes).
 * Remote tiles are paged (TILES_PER_PAGE a page, the controller's `visibleTiles`): only those shown
 * are subscribed to, each at the size it is drawn.
 */
export function TileGrid({ controller }: { controller: CallController }) {
  const camera = controller.cameraTrack.value;
  const tiles = controller.visibleTiles.value;
  const page = controller.gridPage.value;
  const pageCount = controller.pageCount.value;
  const self = controller.self.value;
  const username = self?.displayName ?? controller.route.username;
  // Two "alice"s (or one with our name) get a short suffix from their identities.
  const names = distinctNames(tiles, self ? { username, identity: self.identity } : undefined);
  // Columns so tiles stay as large as possible: 1, 2, 2, 2, 3, 3, …
  const columns = Math.max(1, Math.ceil(Math.sqrt(tiles.length + 1)));
  const speakers = controller.activeSpeakers.value;
  const speaking = new Set(speakers.speakers.map((speaker) => speaker.sessionId));
  const speakerView = controller.speakerView.value;
  // Presenter layout: a shared screen is the large tile, the cameras sit in a strip under it.
  const presenting = tiles.find((tile) => tile.screen);
  const featured = presenting ?? (speakerView ? featuredTile(tiles, speakers.dominantSessionId) : undefined);
  const stripLayout = speakerView || presenting !== undefined;
  const selfSessionId = self?.sessionId;
  const floating = controller.reactions.floating.value;
  const reactionsOf = (sessionId: number | undefined) =>
    floating.filter((reaction) => reaction.sessionId === sessionId);
  return (
    <section class="grid-pages">
      <section
        class={`grid${stripLayout ? " speaker-view" : ""}${presenting ? " presenter" : ""}`}
        aria-label={t("meeting.participants")}
        style={{
          "--columns": String(columns),
          "--strip-columns": String(Math.max(1, Math.min(tiles.length, 6))),
        }}
      >
        <Tile
          kind="local"
          label={t("meeting.you", { username })}
          username={username}
          videoShowing={camera !== undefined && !controller.cameraOff.value}
          microphoneOn={!controller.microphoneMuted.value}
          speaking={selfSessionId !== undefined && speaking.has(selfSessionId)}
          dominant={stripLayout && featured === undefined}
          reactions={reactionsOf(selfSessionId)}
          handPosition={controller.reactions.handPosition(selfSessionId)}
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
            speaking={!tile.screen && speaking.has(tile.sessionId)}
            dominant={tile === featured}
            reactions={tile.screen ? [] : reactionsOf(tile.sessionId)}
            handPosition={tile.screen ? 0 : controller.reactions.handPosition(tile.sessionId)}
            onResize={(widthPx, heightPx) => controller.reportTileSize(tile.key, widthPx, heightPx)}
          >
            {tile.media && <MountedElement element={tile.media} />}
          </Tile>
        ))}
      </section>
      {pageCount > 1 && (
        <nav class="grid-pager" aria-label={t("grid.pages")}>
          <button type="button" disabled={page === 0} onClick={() => controller.setGridPage(page - 1)}>
            <span class="flip-in-rtl" aria-hidden="true">
              ←
            </span>{" "}
            {t("grid.previous")}
          </button>
          <span class="grid-page">{t("grid.page", { page: page + 1, count: pageCount })}</span>
          <button
            type="button"
            disabled={page >= pageCount - 1}
            onClick={() => controller.setGridPage(page + 1)}
          >
            {t("grid.next")}{" "}
            <span class="flip-in-rtl" aria-hidden="true">
              →
            </span>
          </button>
        </nav>
      )}
    </section>
  );
}

/** The speaker view's large tile: the dominant speaker's camera, else the first remote tile (else our own). */
function featuredTile(tiles: readonly RemoteTile[], dominantSessionId: number): RemoteTile | undefined {
  return tiles.find((tile) => tile.sessionId === dominantSessionId && !tile.screen) ?? tiles[0];
}
