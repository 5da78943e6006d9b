/**
 * How outbox rows are made and read: a fresh row from a bound intent, a stored record read back,
 * and the fair-queue tags a room's new rows get.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toOutboxRow } from '../../src/server/db/rows.js';
import type { OutboxRecord } from '../../src/server/db/rows.js';
import { fairTags } from '../../src/server/outbox/fair-queue.js';
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
  it('a room’s new rows follow its last tag, one apart, never before the lowest queued tag', () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.option(fc.nat(1000), { nil: null }),
        fc.nat(20),
        (last, lowest, n) => {
          const tags = fairTags(last, lowest, n);
          expect(tags).toHaveLength(n);
          tags.forEach((tag, i) => {
            expect(tag).toBeGreaterThan(last);
            if (lowest !== null) expect(tag).toBeGreaterThanOrEqual(lowest);
            if (i > 0) expect(tag).toBe(tags[i - 1]! + 1);
          });
          // The first tag is the earliest the rule allows: an idle room joins the queue's head.
          if (n > 0) expect(tags[0]).toBe(Math.max(last + 1, lowest ?? 0));
        },
      ),
    );
  });
});
