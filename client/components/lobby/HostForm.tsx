/**
 * The host form: game, seats and rules. Only holds what is typed; the parent sends it and hands
 * back the server's validation message, shown inline under the form.
 */
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import type { CreateRoomInput, GameName, Role } from '../../api.js';
import { gameTitle } from '../../labels.js';
import { ErrorBox } from '../common/Feedback.js';
import type { CardKind, DiceDuelRules, VerifyCardsRules } from '../../../game/types.js';

/** Default rules per game, shown prefilled. */
export interface RuleDefaults {
  'dice-duel': Readonly<DiceDuelRules>;
  'verify-cards': Readonly<Omit<VerifyCardsRules, 'deck'>> & {
    readonly deck: Readonly<Record<CardKind, number>>;
  };
}

const CARD_KINDS: CardKind[] = ['safe', 'verify', 'skip', 'double', 'shield'];
const CARD_WORDS: Record<CardKind, string> = {
  safe: 'Safe',
  verify: 'Verify',
  skip: 'Skip',
  double: 'Double',
  shield: 'Shield',
};

type Fields = Record<string, string>;

function fieldsOf(rules: RuleDefaults[GameName]): Fields {
  const fields: Fields = {
    cooldownSeconds: String(rules.cooldownSeconds),
    maxRequestsPerMatch: String(rules.maxRequestsPerMatch),
    // People think in percent; the rules hold a 0–1 chance.
    randomCheckPercent: String(Math.round(rules.randomCheckChance * 1000) / 10),
    keyholderDemands: String(rules.keyholderDemands),
  };
  if ('rounds' in rules) {
    fields.rounds = String(rules.rounds);
    fields.loserRequest = rules.loserRequest ? 'true' : 'false';
  }
  if ('deck' in rules) {
    for (const kind of CARD_KINDS) fields[`deck.${kind}`] = String(rules.deck[kind]);
  }
  return fields;
}

// An empty field is left out, so the game's default applies; anything else goes to the server's
// validation as typed (a non-number becomes null and gets the game's own message).
function num(value: string | undefined): number | null | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function rulesOf(game: GameName, fields: Fields): Record<string, unknown> {
  const percent = num(fields.randomCheckPercent);
  const rules: Record<string, unknown> = {
    cooldownSeconds: num(fields.cooldownSeconds),
    maxRequestsPerMatch: num(fields.maxRequestsPerMatch),
    randomCheckChance: typeof percent === 'number' ? Math.round(percent * 10) / 1000 : percent,
    keyholderDemands: num(fields.keyholderDemands),
  };
  if (game === 'dice-duel') {
    rules.rounds = num(fields.rounds);
    rules.loserRequest = fields.loserRequest === 'true';
  } else {
    rules.deck = Object.fromEntries(CARD_KINDS.map((k) => [k, num(fields[`deck.${k}`])]));
  }
  // The round trip drops the undefined (empty) fields.
  return JSON.parse(JSON.stringify(rules)) as Record<string, unknown>;
}

/** The "host a room" form; calls `onSubmit` with the request body. */
export function HostForm({
  role,
  defaults,
  limits,
  busy,
  error,
  onSubmit,
}: {
  role: Role;
  defaults: RuleDefaults;
  limits: Record<GameName, { min: number; max: number }>;
  busy: boolean;
  error: unknown;
  onSubmit: (input: CreateRoomInput) => void;
}) {
  const id = useId();
  const [game, setGame] = useState<GameName>('dice-duel');
  const [players, setPlayers] = useState(role === 'keyholder' ? '3' : '2');
  const [keyholderSeat, setKeyholderSeat] = useState(false);
  const [fields, setFields] = useState<Fields>(() => fieldsOf(defaults['dice-duel']));

  function chooseGame(next: GameName) {
    setGame(next);
    setFields(fieldsOf(defaults[next]));
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
          <option value="dice-duel">{gameTitle('dice-duel')}</option>
          <option value="verify-cards">{gameTitle('verify-cards')}</option>
        </select>
        <small>
          {game === 'dice-duel'
            ? 'Everyone rolls a die each round; the lowest roll loses the round.'
            : 'Wearers take turns drawing from one shared deck; a verify card asks for a picture.'}
        </small>
      </div>
      <div className="field">
        <label htmlFor={`${id}-players`}>Seats (everyone, you included)</label>
        <input
          id={`${id}-players`}
          data-testid="host-players"
          type="number"
          inputMode="numeric"
          min={1}
          max={limits[game].max + 1}
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
          {gameTitle(game)} takes {limits[game].min} to {limits[game].max} wearers.
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
        {game === 'dice-duel' ? (
          <>
            <NumberField
              id={`${id}-rounds`}
              label="Rounds"
              value={fields.rounds}
              onChange={set('rounds')}
            />
            <div className="field check">
              <input
                id={`${id}-loser`}
                type="checkbox"
                checked={fields.loserRequest === 'true'}
                onChange={(e) => set('loserRequest')(e.target.checked ? 'true' : 'false')}
              />
              <label htmlFor={`${id}-loser`}>
                The loser of each round sends a verification picture
              </label>
            </div>
          </>
        ) : (
          <fieldset className="deck">
            <legend>Deck mix (cards of each kind)</legend>
            {CARD_KINDS.map((kind) => (
              <NumberField
                key={kind}
                id={`${id}-deck-${kind}`}
                label={CARD_WORDS[kind]}
                value={fields[`deck.${kind}`]}
                onChange={set(`deck.${kind}`)}
              />
            ))}
          </fieldset>
        )}
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

function NumberField({
  id,
  label,
  value,
  onChange,
  step,
}: {
  id: string;
  label: string;
  value: string | undefined;
  onChange: (value: string) => void;
  step?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode={step === 'any' ? 'decimal' : 'numeric'}
        step={step}
        min={0}
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}
