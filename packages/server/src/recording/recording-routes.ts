/**
 * GET /api/meetings/<id>/recordings (a JSON list) and GET /api/meetings/<id>/recordings/<file> (the
 * WebM), for the meeting's hosts and co-hosts only; GET /api/meetings/<id>/recording says to anyone
 * whether a recording runs, for the pre-join screen. The caller shows its room token for that meeting,
 * as `Authorization: Bearer <token>` or `?token=` (a download link cannot set headers); its identity
 * must be host or co-host in the meeting directory, or the token must carry that role.
 */
import { RECORDING_FILE_PATTERN } from "@videocall/protocol";
import { type ApiCredentials, RoomTokenError, verifyRoomToken } from "../auth/room-token.ts";
import type { MeetingDirectory } from "../meetings/meeting-directory.ts";
import type { Recordings } from "./recordings.ts";

const LIST_PATH = /^\/api\/meetings\/([A-Za-z0-9_-]{1,64})\/recordings$/;
const STATUS_PATH = /^\/api\/meetings\/([A-Za-z0-9_-]{1,64})\/recording$/;
const FILE_PATH = /^\/api\/meetings\/([A-Za-z0-9_-]{1,64})\/recordings\/([^/]+)$/;

export interface RecordingRoutesOptions {
  readonly recordings: Recordings;
  readonly credentials: ApiCredentials;
  readonly meetings: MeetingDirectory;
}

export class RecordingRoutes {
  readonly #options: RecordingRoutesOptions;

  constructor(options: RecordingRoutesOptions) {
    this.#options = options;
  }

  /** The response for one of its paths, or undefined for any other path. */
  handle(request: Request, url: URL): Promise<Response> | undefined {
    // Public: whoever may join is told before joining that the meeting is recorded (and sees it once in).
    const status = STATUS_PATH.exec(url.pathname);
    if (status) {
      const recording = this.#options.recordings.isRecording(status[1]!);
      return Promise.resolve(Response.json({ recording }, { headers: NO_STORE }));
    }
    const list = LIST_PATH.exec(url.pathname);
    const file = list ? undefined : FILE_PATH.exec(url.pathname);
    if (!list && !file) return undefined;
    if (request.method !== "GET") return Promise.resolve(problem(405, "use GET"));
    const meetingId = (list ?? file)![1]!;
    return this.#asHost(request, url, meetingId, () =>
      list ? this.#list(meetingId) : this.#file(meetingId, decodeURIComponent(file![2]!)),
    );
  }

  async #asHost(
    request: Request,
    url: URL,
    meetingId: string,
    work: () => Promise<Response>,
  ): Promise<Response> {
    const header = request.headers.get("authorization");
    const token = header?.startsWith("Bearer ") ? header.slice(7) : url.searchParams.get("token");
    if (!token) return problem(401, "a room token for this meeting is required");
    try {
      const claims = await verifyRoomToken(this.#options.credentials, token);
      if (claims.meetingId !== meetingId) return problem(403, "the token is for another meeting");
      const role =
        claims.role === "participant"
          ? await this.#options.meetings.roleOf(meetingId, claims.identity)
          : claims.role;
      if (role === "participant")
        return problem(403, "only the meeting's hosts and co-hosts see its recordings");
    } catch (error) {
      if (error instanceof RoomTokenError) return problem(401, error.message);
      throw error;
    }
    return await work();
  }

  async #list(meetingId: string): Promise<Response> {
    const files = await this.#options.recordings.list(meetingId);
    return Response.json(
      {
        recording: this.#options.recordings.isRecording(meetingId),
        recordings: files.map((file) => ({
          fileName: file.fileName,
          bytes: file.bytes,
          modifiedAt: new Date(file.modifiedAtMs).toISOString(),
          url: `/api/meetings/${meetingId}/recordings/${file.fileName}`,
        })),
      },
      { headers: NO_STORE },
    );
  }

  async #file(meetingId: string, fileName: string): Promise<Response> {
    const path = RECORDING_FILE_PATTERN.test(fileName)
      ? this.#options.recordings.filePath(meetingId, fileName)
      : undefined;
    if (!path) return problem(404, "no such recording");
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return problem(404, "no such recording");
      throw error;
    }
    const { size } = await file.stat();
    return new Response(file.readable, {
      headers: {
        ...NO_STORE,
        "content-type": "video/webm",
        "content-length": String(size),
        "content-disposition": `attachment; filename="${meetingId}-${fileName}"`,
      },
    });
  }
}

const NO_STORE = { "cache-control": "no-store" };

function problem(status: number, detail: string): Response {
  return Response.json({ error: detail }, { status, headers: NO_STORE });
}
