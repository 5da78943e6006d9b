/**
 * How outbox rows are made and read: a fresh row from a bound intent, a stored record read back,
 * and the fair-queue tags a wearer's new rows get.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toOutboxRow } from '../../src/server/db/rows.js';
import type { OutboxRecord } from '../../src/server/db/rows.js';
import { fairTags, wearerTags } from '../../src/server/outbox/fair-queue.js';
import { REFUSALS } from '../../src/server/outbox/policy.js';
import { newOutboxRow, outboxRowId } from '../../src/server/outbox/row.js';

const intent = {
  matchID: 'm1',
  stateID: 7,
  index: 2,
  playerID: '1',
  reason: 'lost',
  requestedBy: 'self' as const,
  requesterID: '0',
  actor: 'wearer' as const,
};

describe('newOutboxRow', () => {
  it('a bound intent becomes a queued row due now, keyed matchID:stateID:index', () => {
    expect(newOutboxRow(intent, 1_000)).toEqual({
      id: 'm1:7:2',
      matchID: 'm1',
      stateID: 7,
      index: 2,
      playerID: '1',
      reason: 'lost',
      requestedBy: 'self',
      requesterID: '0',
      actor: 'wearer',
      status: 'queued',
      message: null,
      attempts: 0,
      nextAttemptAt: 1_000,
      leaseUntil: null,
      createdAt: 1_000,
      updatedAt: 1_000,
    });
  });

  it('a refused intent is stored settled with its refusal', () => {
    const refusal = REFUSALS.targetNotSeated('1');
    expect(newOutboxRow({ ...intent, actor: null, refusal }, 5)).toMatchObject({
      actor: null,
      status: 'failed',
      message: refusal.message,
    });
  });

  it('a row read back from its record is the row that was made', () => {
    const row = newOutboxRow(intent, 1_000);
    const record: OutboxRecord = {
      id: row.id,
      match_id: row.matchID,
      state_id: row.stateID,
      idx: row.index,
      player_id: row.playerID,
      reason: row.reason,
      requested_by: row.requestedBy,
      requester_id: row.requesterID,
      actor: row.actor,
      status: row.status,
      message: row.message,
      attempts: row.attempts,
      next_attempt_at: row.nextAttemptAt,
      lease_until: row.leaseUntil,
      created_at: row.createdAt,
      updated_at: row.updatedAt,
    };
    // A stored record carries more columns (fair_tag, admitted_at): they stay out of the row.
    expect(toOutboxRow({ ...record, fair_tag: 3 } as OutboxRecord)).toEqual(row);
  });

  it('ids of different intents never collide', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), fc.nat(1000), fc.nat(10)),
          { selector: ([m, s, i]) => `${m}/${s}/${i}` },
        ),
        (keys) => {
          const ids = keys.map(([m, s, i]) => outboxRowId(m, s, i));
          expect(new Set(ids).size).toBe(ids.length);
        },
      ),
    );
  });
});

describe('fairTags', () => {
  it('a wearer’s new rows follow their last tag, one apart, never before the queue’s floor', () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.option(fc.nat(1000), { nil: null }),
        fc.nat(20),
        (last, floor, n) => {
          const tags = fairTags(last, floor, n);
          expect(tags).toHaveLength(n);
          tags.forEach((tag, i) => {
            expect(tag).toBeGreaterThan(last);
            if (floor !== null) expect(tag).toBeGreaterThanOrEqual(floor);
            if (i > 0) expect(tag).toBe(tags[i - 1]! + 1);
          });
          // The first tag is the earliest the rule allows: an idle wearer joins the queue's head.
          if (n > 0) expect(tags[0]).toBe(Math.max(last + 1, floor ?? 0));
        },
      ),
    );
  });
});

describe('wearerTags', () => {
  it('tags each wearer’s rows of one action as fairTags does, in row order, and leaves settled rows untagged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }), { maxLength: 12 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.nat(1000)),
        fc.option(fc.nat(1000), { nil: null }),
        (wearers, last, floor) => {
          const lastTags = new Map(Object.entries(last));
          const { tags, lastTags: after } = wearerTags(wearers, lastTags, floor);
          expect(tags).toHaveLength(wearers.length);
          for (const wearer of new Set(wearers)) {
            const mine = tags.filter((_, i) => wearers[i] === wearer);
            if (wearer === null) {
              expect(mine.every((tag) => tag === 0)).toBe(true);
              continue;
            }
            expect(mine).toEqual(fairTags(lastTags.get(wearer) ?? 0, floor, mine.length));
            expect(after.get(wearer)).toBe(mine[mine.length - 1]);
          }
          // Only wearers with a row tagged now get a new last tag.
          expect([...after.keys()].sort()).toEqual(
            [...new Set(wearers.filter((w) => w !== null))].sort(),
          );
        },
      ),
    );
  });

  it('two wearers in one action each take their own turn; one wearer’s second row waits a round', () => {
    expect(wearerTags(['a', null, 'b', 'a'], new Map([['a', 4]]), 3)).toEqual({
      tags: [5, 0, 3, 6],
      lastTags: new Map([
        ['a', 6],
        ['b', 3],
      ]),
    });
  });
});
