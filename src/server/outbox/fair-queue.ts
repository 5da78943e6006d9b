/**
 * Fair queuing of deliveries (start-time fair queuing): each new row gets a tag, and due rows are
 * claimed in tag order. A room's rows are tagged one after another, starting after the room's last
 * tag and no earlier than the lowest tag still queued (the queue's virtual time). So every room
 * with rows queued gets one row per tag: one room's (or one user's) backlog delays another room's
 * first request by at most one row per busy room, never by the backlog. Both stores tag with this.
 */

/** The tags of a room's `n` new rows: after `roomLastTag`, no earlier than `lowestQueuedTag`. */
export function fairTags(roomLastTag: number, lowestQueuedTag: number | null, n: number): number[] {
  // An idle room's first row joins the queue's head: it waits for one row per busy room.
  const start = Math.max(roomLastTag + 1, lowestQueuedTag ?? 0);
  return Array.from({ length: n }, (_, i) => start + i);
}
