/** The open rooms: game, rules in short, seats, and a Join button each. */
import type { HouseRules, Room } from 'bgio-chaster/client';
import { SeatList } from 'bgio-chaster/react';
import type { SeatRole } from '../../../game/types.js';
import { gameTitle } from '../../labels.js';
import { joinBlock } from './house-rules.js';

/** Short description of a room's rules for the list. */
export function rulesSummary(room: Pick<Room, 'game' | 'rules'>): string {
  const r = room.rules;
  const parts: string[] = [];
  if (typeof r.rounds === 'number') parts.push(`${r.rounds} round${r.rounds === 1 ? '' : 's'}`);
  if (r.loserRequest === false) parts.push('loser not asked');
  if (typeof r.deck === 'object' && r.deck !== null) {
    const deck = r.deck as Record<string, number>;
    const total = Object.values(deck).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
    parts.push(`${total} cards, ${deck.verify ?? 0} verify`);
  }
  if (typeof r.keyholderDemands === 'number')
    parts.push(`${r.keyholderDemands} demand${r.keyholderDemands === 1 ? '' : 's'}`);
  if (typeof r.randomCheckChance === 'number' && r.randomCheckChance > 0)
    parts.push(`${Math.round(r.randomCheckChance * 100)}% surprise`);
  if (typeof r.cooldownSeconds === 'number') parts.push(`${r.cooldownSeconds}s cooldown`);
  return parts.join(' · ');
}

/**
 * The list of open rooms; `data-testid="room-list"`. A room the caller's house rules would refuse
 * says why (`data-testid="house-rule-block"`); the server still decides.
 */
export function RoomList({
  rooms,
  role,
  username,
  houseRules = null,
  joining,
  onJoin,
}: {
  rooms: Room[];
  role: SeatRole;
  username: string;
  /** The caller's binding house rules: a wearer's. */
  houseRules?: HouseRules | null;
  joining: string | null;
  onJoin: (matchID: string) => void;
}) {
  if (rooms.length === 0) {
    return (
      <p className="empty" data-testid="room-list">
        No open rooms yet. Host one, or ask for a room code.
      </p>
    );
  }
  return (
    <ul className="room-list" data-testid="room-list">
      {rooms.map((room) => {
        const mine = room.seats.some((s) => s.taken && s.name === username);
        const free = room.seats.filter((s) => !s.taken && s.role === role).length;
        // Taking one's own seat again is never refused by house rules.
        const blocked = mine ? undefined : joinBlock(room, houseRules);
        return (
          <li
            key={room.matchID}
            className="room-item"
            data-testid="room-item"
            data-match-id={room.matchID}
          >
            <div className="room-head">
              <strong>{gameTitle(room.game)}</strong> <code>{room.matchID}</code>
            </div>
            <p className="muted small">{rulesSummary(room)}</p>
            <SeatList seats={room.seats} />
            {blocked !== undefined && (
              <p className="note small" data-testid="house-rule-block">
                {blocked}
              </p>
            )}
            <div className="room-actions">
              <span className="muted small">
                {mine
                  ? 'You have a seat here.'
                  : free > 0
                    ? `${free} free ${role} seat${free === 1 ? '' : 's'}`
                    : `No free ${role} seat`}
              </span>
              <button
                type="button"
                onClick={() => onJoin(room.matchID)}
                disabled={joining !== null}
                aria-label={`${mine ? 'Return to' : 'Join'} room ${room.matchID}`}
              >
                {joining === room.matchID ? 'Joining…' : mine ? 'Return' : 'Join'}
              </button>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
