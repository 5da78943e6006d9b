/**
 * The registry of the example games and the helpers both games share: every table keyed by game
 * name covers exactly the registry, each game object takes its name and seat counts from it, and
 * the seat labels the event log writes are the ones the client reads back.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  GAMES,
  GAME_INFO,
  GAME_NAMES,
  MAX_EVENTS,
  games,
  isGameName,
  listLabels,
  playerLabel,
  wearerSeats,
  withNames,
} from '../../game/index.js';
import type { GameEvent } from '../../game/index.js';
import { pushEvent } from '../../game/shared/log.js';
import { isSeat } from '../../game/shared/seats.js';

describe('the game registry', () => {
  it('names the contract games, and every table by name covers exactly them', () => {
    expect(GAME_NAMES).toEqual(['dice-duel', 'verify-cards']);
    for (const table of [GAME_INFO, GAMES, DEFAULT_RULES]) {
      expect(Object.keys(table).sort()).toEqual([...GAME_NAMES].sort());
    }
    expect(games).toEqual(GAME_NAMES.map((name) => GAMES[name]));
  });

  it('each game object takes its name and seat counts from the registry (one keyholder seat more)', () => {
    for (const name of GAME_NAMES) {
      const { wearers } = GAME_INFO[name];
      expect(GAMES[name].name).toBe(name);
      expect([GAMES[name].minPlayers, GAMES[name].maxPlayers]).toEqual([
        wearers.min,
        wearers.max + 1,
      ]);
    }
  });

  it('knows its own names only', () => {
    expect(GAME_NAMES.every(isGameName)).toBe(true);
    for (const other of ['', 'Dice-Duel', 'chess', 'toString', '__proto__']) {
      expect(isGameName(other)).toBe(false);
    }
  });
});

describe('seat helpers shared by the games and the client', () => {
  it('withNames puts a name wherever the log wrote playerLabel, and nowhere else', () => {
    const names: Record<string, string> = { '0': 'alice', '2': 'bob', '10': 'kim' };
    const nameOf = (id: string) => names[id] ?? `?${id}`;
    const text = `${listLabels(['0', '2'])} tie; ${playerLabel('10')} (keyholder) asks Players 1`;
    expect(text).toBe('Player 1 and Player 3 tie; Player 11 (keyholder) asks Players 1');
    expect(withNames(text, nameOf)).toBe('alice and bob tie; kim (keyholder) asks Players 1');
  });

  it('wearerSeats and isSeat read the seat roles by playerID', () => {
    const seats = ['keyholder', 'wearer', 'wearer'] as const;
    expect(wearerSeats(seats)).toEqual(['1', '2']);
    expect(isSeat(seats, '0', 'keyholder')).toBe(true);
    for (const bad of ['0', '3', '01', ' 1', '1.0', 1, null]) {
      expect(isSeat(seats, bad, 'wearer')).toBe(false);
    }
  });
});

describe('the event log', () => {
  it('numbers events after the last one and keeps only the newest MAX_EVENTS', () => {
    const events: GameEvent[] = [];
    for (let i = 0; i < MAX_EVENTS + 5; i++) pushEvent(events, 'info', `event ${i + 1}`);
    pushEvent(events, 'round', 'about a seat', '1');
    expect(events).toHaveLength(MAX_EVENTS);
    expect(events[0]).toEqual({ n: 7, kind: 'info', text: 'event 7' });
    expect(events.at(-1)).toEqual({
      n: MAX_EVENTS + 6,
      kind: 'round',
      text: 'about a seat',
      playerID: '1',
    });
  });
});
