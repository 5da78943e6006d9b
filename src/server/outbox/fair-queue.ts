/**
 * Fair queuing of deliveries (start-time fair queuing): each new row gets a tag, and due rows are
 * claimed in tag order. The class that takes turns is the wearer a row asks about (its target
 * seat's Chaster session), across every room they sit in: a room is free to make, a wearer is not.
 * A wearer's rows are tagged one after another, starting after the wearer's last tag and no
 * earlier than the queue's floor: the lowest tag still queued, or, with nothing queued, the
 * highest last tag of any wearer (so a queue that ran dry never hands a newcomer tags far behind
 * a wearer who was served just before). So every wearer with rows queued gets one row per tag: one
 * wearer's backlog, however many rooms it was made in, delays another wearer's first request by
 * at most one row per busy wearer, never by the backlog. Both stores tag with this.
 */

/** The tags of `n` new rows of one wearer: after `lastTag`, no earlier than `floor`. */
export function fairTags(lastTag: number, floor: number | null, n: number): number[] {
  // An idle wearer's first row joins the queue's head: it waits for one row per busy wearer.
  const start = Math.max(lastTag + 1, floor ?? 0);
  return Array.from({ length: n }, (_, i) => start + i);
}

/**
 * The tags of a committed action's rows, each asking about `wearers[i]` (null: a row settled at
 * commit, never claimed, tagged 0), given the wearers' last tags (a wearer never tagged has none)
 * and the queue's floor; with each tagged wearer's new last tag.
 */
export function wearerTags(
  wearers: ReadonlyArray<string | null>,
  lastTags: ReadonlyMap<string, number>,
  floor: number | null,
): { tags: number[]; lastTags: Map<string, number> } {
  const counts = new Map<string, number>();
  for (const wearer of wearers) {
    if (wearer !== null) counts.set(wearer, (counts.get(wearer) ?? 0) + 1);
  }
  const lastTagsAfter = new Map<string, number>();
  const queues = new Map<string, number[]>();
  for (const [wearer, n] of counts) {
    const tags = fairTags(lastTags.get(wearer) ?? 0, floor, n);
    lastTagsAfter.set(wearer, tags[n - 1]!);
    queues.set(wearer, tags);
  }
  const tags = wearers.map((wearer) => (wearer === null ? 0 : queues.get(wearer)!.shift()!));
  return { tags, lastTags: lastTagsAfter };
}
