/**
 * The rules of the lock's history, without I/O: how a match ended for a seat, the text each log
 * becomes (valid for Chaster, unique to its event), how a look in the history recognises a log,
 * and what a send's or a look's result makes of the row — above all, when a send may have reached
 * Chaster (`unsure`), so that it is looked for before it is sent again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChasterError, CustomLogSchema } from '../../src/chaster/index.js';
import {
  customLogOf,
  gameTitle,
  historyHolds,
  logOutcomeOf,
  matchResult,
} from '../../src/server/outbox/history-log.js';
import type { HistoryLogRow } from '../../src/server/outbox/history-log.js';

const T = 1_700_000_000_000;
const RULES = {
  maxAttempts: 5,
  maxAgeMs: 60_000,
  backoffBaseMs: 100,
  backoffCapMs: 1000,
  random: () => 0.5,
};

function row(overrides: Partial<HistoryLogRow> = {}): HistoryLogRow {
  return {
    id: 'request:m1:4:0',
    kind: 'request',
    matchID: 'm1',
    playerID: '0',
    sessionId: 's1',
    gameName: 'dice-duel',
    reason: 'lost round 2 of 3',
    stateID: 4,
    index: 0,
    result: null,
    requests: null,
    status: 'sending',
    message: null,
    attempts: 1,
    unsure: true,
    nextAttemptAt: T,
    leaseUntil: T + 30_000,
    createdAt: T,
    updatedAt: T,
    ...overrides,
  };
}

const answered = (status: number, code: ConstructorParameters<typeof ChasterError>[0]['code']) =>
  new ChasterError({ code, status, operation: 'createCustomLog', message: 'Chaster said no' });

describe('matchResult', () => {
  it('reads boardgame.io’s {winner}, this project’s {winners}, draws, and anything else over', () => {
    expect(matchResult(undefined, '0')).toBe('playing');
    expect(matchResult(null, '0')).toBe('playing');
    expect(matchResult({ winner: '0' }, '0')).toBe('won');
    expect(matchResult({ winner: '0' }, '1')).toBe('lost');
    expect(matchResult({ winners: ['1', '2'] }, '2')).toBe('won');
    expect(matchResult({ winners: ['1'] }, '0')).toBe('lost');
    expect(matchResult({ winners: [] }, '0')).toBe('draw');
    expect(matchResult({ draw: true }, '0')).toBe('draw');
    expect(matchResult({ score: 3 }, '0')).toBe('over');
    expect(matchResult('done', '0')).toBe('over');
  });
});

describe('customLogOf', () => {
  it('tells a request with the game, the reason, the match and the move', () => {
    expect(gameTitle('dice-duel')).toBe('Dice Duel');
    expect(customLogOf(row())).toEqual({
      title: 'Dice Duel: verification picture requested',
      description: 'lost round 2 of 3 (match m1, move 4)',
      role: 'extension',
      icon: 'camera',
    });
    // Two requests of one move differ.
    expect(customLogOf(row({ index: 1 })).description).toBe(
      'lost round 2 of 3 (match m1, move 4 (2))',
    );
  });

  it('tells a result with the wearer’s outcome and their requests', () => {
    const result = row({
      id: 'result:m1:0',
      kind: 'result',
      reason: null,
      stateID: null,
      index: null,
      result: 'lost',
      requests: 2,
    });
    expect(customLogOf(result)).toMatchObject({
      title: 'Dice Duel: the wearer lost the match',
      description: 'Match m1: 2 verification picture requests in this match.',
    });
    expect(customLogOf({ ...result, result: 'won', requests: 1 })).toMatchObject({
      title: 'Dice Duel: the wearer won the match',
      description: 'Match m1: 1 verification picture request in this match.',
    });
  });

  it('is always a custom log Chaster takes, and no two events share a text', () => {
    const event = fc.record({
      matchID: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      gameName: fc.string({ minLength: 1, maxLength: 200 }),
      reason: fc.string({ maxLength: 3000 }),
      stateID: fc.nat(1_000_000),
      index: fc.nat(20),
    });
    fc.assert(
      fc.property(event, event, (a, b) => {
        const logA = customLogOf(row(a));
        expect(CustomLogSchema.safeParse(logA).success).toBe(true);
        const sameEvent = a.matchID === b.matchID && a.stateID === b.stateID && a.index === b.index;
        const logB = customLogOf(row({ ...b, reason: a.reason, gameName: a.gameName }));
        if (!sameEvent) expect(logB).not.toEqual(logA);
      }),
    );
  });
});

describe('historyHolds', () => {
  const log = customLogOf(row());
  it('finds the log by its title and description, written no earlier than a minute before the row', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    expect(historyHolds([{ ...log, createdAt: at(T + 5) }], row())).toBe(true);
    expect(historyHolds([{ ...log, createdAt: at(T - 59_000) }], row())).toBe(true);
    expect(historyHolds([{ ...log, createdAt: at(T - 61_000) }], row())).toBe(false);
    expect(historyHolds([{ ...log, description: 'other', createdAt: at(T) }], row())).toBe(false);
    expect(historyHolds([{ title: 'Dice Duel: other', createdAt: at(T) }], row())).toBe(false);
    expect(historyHolds([], row())).toBe(false);
  });
});

describe('logOutcomeOf', () => {
  it('posted, or found by a look: posted and sure', () => {
    expect(logOutcomeOf(row(), 'send', { type: 'posted' }, T, RULES)).toEqual({
      id: row().id,
      status: 'posted',
      message: null,
      unsure: false,
      now: T,
    });
    expect(logOutcomeOf(row(), 'check', { type: 'found' }, T, RULES)).toMatchObject({
      status: 'posted',
      unsure: false,
      message: expect.stringMatching(/found in the lock history/i),
    });
  });

  it('not found by a look: sent again at once, as sure', () => {
    expect(logOutcomeOf(row(), 'check', { type: 'not_found' }, T, RULES)).toMatchObject({
      status: 'queued',
      unsure: false,
      nextAttemptAt: T,
    });
  });

  it('a send that may have reached Chaster (no answer, a 5xx) is retried unsure; an answered refusal is sure', () => {
    const cases: Array<[ChasterError, boolean]> = [
      [new ChasterError({ code: 'network', operation: 'createCustomLog', message: 'reset' }), true],
      [new ChasterError({ code: 'timeout', operation: 'createCustomLog', message: 'late' }), true],
      [answered(503, 'server_error'), true],
      [answered(429, 'rate_limited'), false],
    ];
    for (const [error, unsure] of cases) {
      const outcome = logOutcomeOf(row(), 'send', { type: 'error', error }, T, RULES);
      expect(outcome, error.code).toMatchObject({ status: 'queued', unsure });
      expect(outcome.nextAttemptAt).toBeGreaterThanOrEqual(T);
    }
  });

  it('a look that fails leaves the row unsure; a refusal fails it; limits make it dead', () => {
    const lookFailed = logOutcomeOf(
      row(),
      'check',
      { type: 'error', error: answered(429, 'rate_limited') },
      T,
      RULES,
    );
    expect(lookFailed).toMatchObject({ status: 'queued', unsure: true });
    expect(
      logOutcomeOf(
        row(),
        'send',
        { type: 'error', error: answered(404, 'session_not_found') },
        T,
        RULES,
      ),
    ).toMatchObject({ status: 'failed', message: expect.any(String) });
    expect(
      logOutcomeOf(
        row({ attempts: 5 }),
        'send',
        { type: 'error', error: answered(503, 'server_error') },
        T,
        RULES,
      ),
    ).toMatchObject({ status: 'dead', unsure: true });
    expect(
      logOutcomeOf(row({ attempts: 6 }), 'send', { type: 'exhausted' }, T, RULES),
    ).toMatchObject({
      status: 'dead',
      message: 'Gave up after 5 attempts.',
    });
  });
});
