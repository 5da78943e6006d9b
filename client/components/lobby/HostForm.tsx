/**
 * The host form: game, seats and rules. Only holds what is typed; the parent sends it and hands
 * back the server's validation message, shown inline under the form. With the lock's house rules
 * it says, before anything is sent, what they will make of the typed rules.
 */
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { CreateRoomInput, HouseRules } from 'bgio-chaster/client';
import { GAME_INFO, GAME_NAMES } from '../../../game/registry.js';
import type { GameName } from '../../../game/registry.js';
import type { DefaultRules } from '../../../game/rules.js';
import type { SeatRole } from '../../../game/types.js';
import { HouseRulesSummary, RoomRefusal } from './HouseRules.js';
import { gameAllowed, hostNote, ruleGaps } from './house-rules.js';
import type { HouseBoundRule } from './house-rules.js';
import { GameRuleInputs, NumberField, fieldsOf, rulesOf } from './rule-fields.js';
import type { Fields } from './rule-fields.js';

/** The "host a room" form; calls `onSubmit` with the request body. */
export function HostForm({
  role,
  defaults,
  busy,
  error,
  onSubmit,
  houseRules = null,
  wearer = 'your wearer',
}: {
  role: SeatRole;
  defaults: DefaultRules;
  busy: boolean;
  error: unknown;
  onSubmit: (input: CreateRoomInput) => void;
  /** The lock's house rules (`LoginAnswer.houseRules`): a wearer's bind their rooms. */
  houseRules?: HouseRules | null;
  /** The lock's wearer, named in a keyholder's notes. */
  wearer?: string;
}) {
  const id = useId();
  // A wearer may only host the games their keyholder allows: the first of those is chosen.
  const allowed = GAME_NAMES.filter((name) => role !== 'wearer' || gameAllowed(houseRules, name));
  const first = allowed[0] ?? GAME_NAMES[0];
  const [game, setGame] = useState<GameName>(first);
  // The first game's fewest wearers, and the keyholder's own seat.
  const [players, setPlayers] = useState(() =>
    String(GAME_INFO[first].wearers.min + (role === 'keyholder' ? 1 : 0)),
  );
  // A keyholder who requires demands needs a seat to play them from: reserved from the start.
  const [keyholderSeat, setKeyholderSeat] = useState(
    role === 'wearer' && (houseRules?.minKeyholderDemands ?? 0) > 0,
  );
  const [fields, setFields] = useState<Fields>(() => fieldsOf(first, defaults));
  const limits = GAME_INFO[game].wearers;
  const notes = ruleNotes(game, fields, defaults, houseRules, role, wearer);
  const noGame = role === 'wearer' && allowed.length === 0;

  function chooseGame(next: GameName) {
    setGame(next);
    setFields(fieldsOf(next, defaults));
  }
  const set = (name: string) => (value: string) => setFields((f) => ({ ...f, [name]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    const input: CreateRoomInput = {
      game,
      numPlayers: Number(players),
      rules: rulesOf(game, fields),
    };
    if (role === 'wearer') input.keyholderSeat = keyholderSeat;
    onSubmit(input);
  }

  const wearers = Number(players) - (role === 'keyholder' || keyholderSeat ? 1 : 0);
  return (
    // noValidate: the server's messages are the ones to show, for every kind of mistake.
    <form className="panel host-form" data-testid="host-form" onSubmit={submit} noValidate>
      <h2>Host a room</h2>
      <div className="field">
        <label htmlFor={`${id}-game`}>Game</label>
        <select
          id={`${id}-game`}
          data-testid="host-game"
          value={game}
          onChange={(e) => chooseGame(e.target.value as GameName)}
          aria-describedby={`${id}-game-hint`}
        >
          {GAME_NAMES.map((name) => (
            <option
              key={name}
              value={name}
              disabled={role === 'wearer' && !gameAllowed(houseRules, name)}
            >
              {GAME_INFO[name].title}
              {gameAllowed(houseRules, name)
                ? ''
                : role === 'wearer'
                  ? ' (not allowed by your keyholder)'
                  : ` (not allowed for ${wearer})`}
            </option>
          ))}
        </select>
        <small id={`${id}-game-hint`}>{GAME_INFO[game].description}</small>
        {noGame ? (
          <small className="house-note" data-testid="house-rule-note">
            Your keyholder allows none of these games: ask them to allow one in the extension’s
            settings on Chaster.
          </small>
        ) : (
          role === 'keyholder' &&
          !gameAllowed(houseRules, game) && (
            <small className="house-note" data-testid="house-rule-note">
              Your house rules do not allow {GAME_INFO[game].title} for {wearer}: they cannot join
              this room.
            </small>
          )
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-players`}>Seats (everyone, you included)</label>
        <input
          id={`${id}-players`}
          data-testid="host-players"
          type="number"
          inputMode="numeric"
          min={1}
          max={limits.max + 1}
          value={players}
          onChange={(e) => setPlayers(e.target.value)}
          aria-describedby={`${id}-players-hint`}
        />
        <small id={`${id}-players-hint`}>
          {role === 'keyholder'
            ? 'Seat 1 is yours as keyholder; the others are for wearers.'
            : 'Every seat is a wearer seat unless you reserve one for a keyholder.'}{' '}
          {Number.isFinite(wearers) && wearers >= 0
            ? `${wearers} wearer seat${wearers === 1 ? '' : 's'}; `
            : ''}
          {GAME_INFO[game].title} takes {limits.min} to {limits.max} wearers.
        </small>
      </div>
      {role === 'wearer' && (
        <div className="field check">
          <input
            id={`${id}-kh`}
            data-testid="host-keyholder-seat"
            type="checkbox"
            checked={keyholderSeat}
            onChange={(e) => setKeyholderSeat(e.target.checked)}
          />
          <label htmlFor={`${id}-kh`}>Reserve the last seat for a keyholder</label>
        </div>
      )}
      <HouseRulesSummary house={houseRules} role={role} wearer={wearer} />
      <fieldset>
        <legend>Rules</legend>
        <GameRuleInputs game={game} id={id} fields={fields} set={set} notes={notes} />
        <NumberField
          id={`${id}-random`}
          label="Surprise check chance per round (%)"
          value={fields.randomCheckPercent}
          onChange={set('randomCheckPercent')}
          step="any"
          note={notes.randomCheckChance}
        />
        <NumberField
          id={`${id}-demands`}
          label="Keyholder demands per match"
          value={fields.keyholderDemands}
          onChange={set('keyholderDemands')}
          note={notes.keyholderDemands}
        />
        <NumberField
          id={`${id}-cooldown`}
          label="Cooldown between two requests to a wearer (seconds)"
          value={fields.cooldownSeconds}
          onChange={set('cooldownSeconds')}
          note={notes.cooldownSeconds}
        />
        <NumberField
          id={`${id}-max`}
          label="Most requests sent per match"
          value={fields.maxRequestsPerMatch}
          onChange={set('maxRequestsPerMatch')}
          note={notes.maxRequestsPerMatch}
        />
      </fieldset>
      {error !== undefined && error !== null && <RoomRefusal error={error} during="host" />}
      <button type="submit" data-testid="host-submit" disabled={busy || noGame}>
        {busy ? 'Creating…' : 'Create room'}
      </button>
    </form>
  );
}

/**
 * What the house rules make of each typed rule, by rule name: the typed rules with the game's
 * defaults for empty fields, as the server fills them in.
 */
export function ruleNotes(
  game: GameName,
  fields: Fields,
  defaults: DefaultRules,
  house: HouseRules | null,
  role: SeatRole,
  wearer: string,
): Partial<Record<HouseBoundRule, string>> {
  if (!house) return {};
  const rules = { ...defaults[game], ...rulesOf(game, fields) };
  return Object.fromEntries(
    ruleGaps(rules, house).map((gap) => [gap.rule, hostNote(gap, role, wearer)]),
  );
}
