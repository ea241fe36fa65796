/**
 * The server's recorder joins a meeting as a participant (docs/recording.md). Its identity starts
 * with this prefix, so pages leave it out of the grid and the participant list.
 */
export const RECORDER_IDENTITY_PREFIX = "recorder:";

export function isRecorderIdentity(identity: string): boolean {
  return identity.startsWith(RECORDER_IDENTITY_PREFIX);
}

/** A recording's file name: `<recording id>-<session id>.webm`, one file per recorded participant. */
export const RECORDING_FILE_PATTERN = /^[A-Za-z0-9_-]{1,80}\.webm$/;
