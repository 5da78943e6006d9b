/**
 * One login, many joins at once: a player gets one seat in a match, never two (on Postgres two
 * instances' joins race for real). Every join answers that one seat.
 */
import { describe, expect, it } from 'vitest';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { needServices } from '../helpers/services-suite.js';
import { api } from '../helpers/stack.js';
import { login, room, startTarget } from '../helpers/targets.js';
import type { TargetKind } from '../helpers/targets.js';

const missing = needServices('the Postgres join race');

describe.each<TargetKind>(['sqlite', 'postgres'])('joins racing on %s', (kind) => {
  it('twelve joins at once from one login take one seat, and each answers it', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await startTarget(kind, { games: [PenaltyGame], limits: TEST_LIMITS });
    const racer = await login(target.urls[0]!, target.emulator.createLock().tokens.wearer);
    for (let round = 0; round < 5; round++) {
      const { matchID, seats } = await room(target, 'penalty', 6, 0);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          api(target.urls[0]!, 'POST', `/api/rooms/${matchID}/join`, { token: racer, body: {} }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(new Set(answers.map((a) => a.json.playerID)).size).toBe(1);
      const view = await api(target.urls[0]!, 'GET', `/api/rooms/${matchID}`, {
        token: seats[0]!.token,
      });
      expect(view.json.seats.filter((s: { taken: boolean }) => s.taken)).toHaveLength(2);
    }
  });
});
