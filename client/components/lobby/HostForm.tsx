/**
 * The host form: game, seats and rules. Only holds what is typed; the parent sends it and hands
 * back the server's validation message, shown inline under the form.
 */
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { CreateRoomInput } from 'bgio-chaster/client';
import { GAME_INFO, GAME_NAMES } from '../../../game/registry.js';
import type { GameName } from '../../../game/registry.js';
import type { DefaultRules } from '../../../game/rules.js';
import type { SeatRole } from '../../../game/types.js';
import { ErrorBox } from '../common/Feedback.js';
import { GameRuleInputs, NumberField, fieldsOf, rulesOf } from './rule-fields.js';
import type { Fields } from './rule-fields.js';

/** The "host a room" form; calls `onSubmit` with the request body. */
export function HostForm({
  role,
  defaults,
  busy,
  error,
  onSubmit,
}: {
  role: SeatRole;
  defaults: DefaultRules;
  busy: boolean;
  error: unknown;
  onSubmit: (input: CreateRoomInput) => void;
}) {
  const id = useId();
  const [game, setGame] = useState<GameName>(GAME_NAMES[0]);
  // The first game's fewest wearers, and the keyholder's own seat.
  const [players, setPlayers] = useState(() =>
    String(GAME_INFO[GAME_NAMES[0]].wearers.min + (role === 'keyholder' ? 1 : 0)),
  );
  const [keyholderSeat, setKeyholderSeat] = useState(false);
  const [fields, setFields] = useState<Fields>(() => fieldsOf(GAME_NAMES[0], defaults));
  const limits = GAME_INFO[game].wearers;

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
        >
          {GAME_NAMES.map((name) => (
            <option key={name} value={name}>
              {GAME_INFO[name].title}
            </option>
          ))}
        </select>
        <small>{GAME_INFO[game].description}</small>
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
      <fieldset>
        <legend>Rules</legend>
        <GameRuleInputs game={game} id={id} fields={fields} set={set} />
        <NumberField
          id={`${id}-random`}
          label="Surprise check chance per round (%)"
          value={fields.randomCheckPercent}
          onChange={set('randomCheckPercent')}
          step="any"
        />
        <NumberField
          id={`${id}-demands`}
          label="Keyholder demands per match"
          value={fields.keyholderDemands}
          onChange={set('keyholderDemands')}
        />
        <NumberField
          id={`${id}-cooldown`}
          label="Cooldown between two requests to a wearer (seconds)"
          value={fields.cooldownSeconds}
          onChange={set('cooldownSeconds')}
        />
        <NumberField
          id={`${id}-max`}
          label="Most requests sent per match"
          value={fields.maxRequestsPerMatch}
          onChange={set('maxRequestsPerMatch')}
        />
      </fieldset>
      {error !== undefined && error !== null && <ErrorBox error={error} />}
      <button type="submit" data-testid="host-submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create room'}
      </button>
    </form>
  );
}
