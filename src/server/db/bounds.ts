/**
 * What the stores hand out and keep is bounded, whatever a game or a client does: boardgame.io
 * sends the whole match log on every sync (spectator or player) and keeps any metadata it is given.
 */

/** Most log entries a sync sends: the latest ones (the log itself is kept whole). */
export const SYNC_LOG_ENTRIES = 200;

/** Largest metadata (JSON characters) a store writes; a larger write is refused and logged. */
export const MAX_METADATA_CHARS = 32 * 1024;

/** The metadata as JSON; throws a RangeError when it is over `MAX_METADATA_CHARS`. */
export function boundedMetadata(metadata: unknown): string {
  const json = JSON.stringify(metadata);
  if (json.length > MAX_METADATA_CHARS) {
    throw new RangeError(
      `metadata of ${json.length} characters refused: the limit is ${MAX_METADATA_CHARS}`,
    );
  }
  return json;
}
