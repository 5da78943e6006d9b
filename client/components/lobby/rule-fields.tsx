/**
 * The rules part of the host form: the fields every game shares, and what each game adds, by
 * game name. Fields hold what is typed; `rulesOf` turns them into the rules the server validates.
 */
import type { ReactNode } from 'react';
import { CARD_KINDS, CARD_TEXT } from '../../../game/cards.js';
import type { GameName } from '../../../game/registry.js';
import type { DefaultRules } from '../../../game/rules.js';

/** What the form's rule fields hold, by field name. */
export type Fields = Record<string, string>;

/** Sets one field to what was typed. */
export type SetField = (name: string) => (value: string) => void;

/** A sentence to show under a rule's input, by rule name (what a house rule makes of it). */
export type RuleNotes = Readonly<Partial<Record<string, string>>>;

/** What a game adds to the common rules: its fields, how they become rules, and their inputs. */
interface GameRuleFields<Name extends GameName> {
  fields(defaults: DefaultRules[Name]): Fields;
  rules(fields: Fields): Record<string, unknown>;
  Inputs: (props: { id: string; fields: Fields; set: SetField; notes: RuleNotes }) => ReactNode;
}

// An empty field is left out, so the game's default applies; anything else goes to the server's
// validation as typed (a non-number becomes null and gets the game's own message).
function num(value: string | undefined): number | null | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Each game's own rule fields, by name. */
const GAME_RULE_FIELDS: { [Name in GameName]: GameRuleFields<Name> } = {
  'dice-duel': {
    fields: (rules) => ({
      rounds: String(rules.rounds),
      loserRequest: rules.loserRequest ? 'true' : 'false',
    }),
    rules: (fields) => ({
      rounds: num(fields.rounds),
      loserRequest: fields.loserRequest === 'true',
    }),
    Inputs: ({ id, fields, set, notes }) => (
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
            aria-describedby={notes.loserRequest === undefined ? undefined : `${id}-loser-note`}
          />
          <label htmlFor={`${id}-loser`}>
            The loser of each round sends a verification picture
          </label>
        </div>
        <RuleNote id={`${id}-loser-note`} note={notes.loserRequest} />
      </>
    ),
  },
  'verify-cards': {
    fields: (rules) =>
      Object.fromEntries(CARD_KINDS.map((kind) => [`deck.${kind}`, String(rules.deck[kind])])),
    rules: (fields) => ({
      deck: Object.fromEntries(CARD_KINDS.map((kind) => [kind, num(fields[`deck.${kind}`])])),
    }),
    Inputs: ({ id, fields, set }) => (
      <fieldset className="deck">
        <legend>Deck mix (cards of each kind)</legend>
        {CARD_KINDS.map((kind) => (
          <NumberField
            key={kind}
            id={`${id}-deck-${kind}`}
            label={CARD_TEXT[kind].title}
            value={fields[`deck.${kind}`]}
            onChange={set(`deck.${kind}`)}
          />
        ))}
      </fieldset>
    ),
  },
};

/** The fields of `game` prefilled with its default rules. */
export function fieldsOf<Name extends GameName>(game: Name, defaults: DefaultRules): Fields {
  const rules = defaults[game];
  return {
    cooldownSeconds: String(rules.cooldownSeconds),
    maxRequestsPerMatch: String(rules.maxRequestsPerMatch),
    // People think in percent; the rules hold a 0–1 chance.
    randomCheckPercent: String(Math.round(rules.randomCheckChance * 1000) / 10),
    keyholderDemands: String(rules.keyholderDemands),
    ...GAME_RULE_FIELDS[game].fields(rules),
  };
}

/** The rules of `game` as typed, for `POST /api/rooms`; empty fields are left out. */
export function rulesOf(game: GameName, fields: Fields): Record<string, unknown> {
  const percent = num(fields.randomCheckPercent);
  const rules: Record<string, unknown> = {
    cooldownSeconds: num(fields.cooldownSeconds),
    maxRequestsPerMatch: num(fields.maxRequestsPerMatch),
    randomCheckChance: typeof percent === 'number' ? Math.round(percent * 10) / 1000 : percent,
    keyholderDemands: num(fields.keyholderDemands),
    ...GAME_RULE_FIELDS[game].rules(fields),
  };
  // The round trip drops the undefined (empty) fields.
  return JSON.parse(JSON.stringify(rules)) as Record<string, unknown>;
}

/** The inputs of the rules only `game` has. */
export function GameRuleInputs({
  game,
  id,
  fields,
  set,
  notes = {},
}: {
  game: GameName;
  id: string;
  fields: Fields;
  set: SetField;
  notes?: RuleNotes;
}) {
  const { Inputs } = GAME_RULE_FIELDS[game];
  return <Inputs id={id} fields={fields} set={set} notes={notes} />;
}

/** A labelled number input, with a note under it (what a house rule makes of it) when given. */
export function NumberField({
  id,
  label,
  value,
  onChange,
  step,
  note,
}: {
  id: string;
  label: string;
  value: string | undefined;
  onChange: (value: string) => void;
  step?: string;
  note?: string;
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
        aria-describedby={note === undefined ? undefined : `${id}-note`}
      />
      <RuleNote id={`${id}-note`} note={note} />
    </div>
  );
}

/** What a house rule makes of a rule, under its input; nothing without a note. */
function RuleNote({ id, note }: { id: string; note: string | undefined }) {
  if (note === undefined) return null;
  return (
    <small id={id} className="house-note" data-testid="house-rule-note">
      {note}
    </small>
  );
}
