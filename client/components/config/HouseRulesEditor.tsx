/**
 * The house rules form: the six rules, each with one line saying what it does, the server's own
 * limits (which win), and the save, by our button or by Chaster's (the save protocol). A wearer
 * sees the same rules, read-only.
 */
import { useId } from 'react';
import type { ReactNode } from 'react';
import { errorMessage } from 'bgio-chaster/client';
import { useChasterSaveCapability } from 'bgio-chaster/react';
import type { HouseRulesConfiguration, HouseRulesForm } from 'bgio-chaster/react';
import { gameTitle } from '../../labels.js';
import { allowDevelopmentParent } from './origins.js';

/** The configuration once loaded. */
type Ready = Extract<HouseRulesConfiguration, { status: 'ready' }>;

/** The form, the server's limits and the save. */
export function HouseRulesEditor({ configuration }: { configuration: Ready }) {
  const { answer, form, problems, setForm, save } = configuration;
  const id = useId();
  const readOnly = !answer.canSave;
  const { minCooldownSeconds, maxRequestsPerMatch } = answer.serverLimits;
  // Games saved earlier that this server no longer offers stay listed, so a save keeps them.
  const games = [...new Set([...answer.games, ...(form.allowedGames ?? [])])];
  const typed = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const cooldown = typed(form.maxCooldownSeconds);
  const cap = typed(form.minRequestsPerMatch);

  return (
    <>
      <p className="muted">
        House rules bind this lock's wearer in every game room on this server: the stricter of a
        room's rules and these applies to them. Leave a field empty to leave that rule out.
      </p>
      {answer.problem && (
        <p className="note" data-testid="config-saved-problem">
          {answer.problem}
        </p>
      )}
      {readOnly && (
        <p className="note" data-testid="config-read-only">
          Only the lock's keyholder can change these rules: you can read the rules that bind you
          here, but not save them.
        </p>
      )}
      <form
        className="panel config-form"
        data-testid="config-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          // A failure is shown by the save status below.
          save().catch(() => undefined);
        }}
      >
        <fieldset className="config-rules" disabled={readOnly}>
          <legend className="sr-only">House rules</legend>

          <div className="field check">
            <input
              id={`${id}-limit-games`}
              type="checkbox"
              checked={form.allowedGames !== null}
              aria-describedby={`${id}-limit-games-hint`}
              onChange={(e) =>
                setForm({ allowedGames: e.target.checked ? [...answer.games] : null })
              }
            />
            <label htmlFor={`${id}-limit-games`}>Only let the wearer play some games</label>
          </div>
          <Hint id={`${id}-limit-games-hint`} problem={problems.allowedGames}>
            Unticked, every game this server offers is allowed, new ones too. Ticked, only the games
            ticked below: the wearer cannot host or join a room of any other.
          </Hint>
          {form.allowedGames !== null && (
            <ul className="config-games" aria-label="Allowed games">
              {games.map((game) => (
                <li key={game} className="field check">
                  <input
                    id={`${id}-game-${game}`}
                    type="checkbox"
                    checked={form.allowedGames?.includes(game) ?? false}
                    onChange={(e) =>
                      setForm({ allowedGames: toggled(form, game, e.target.checked) })
                    }
                  />
                  <label htmlFor={`${id}-game-${game}`}>
                    {gameTitle(game)}
                    {!answer.games.includes(game) && ' (not offered by this server)'}
                  </label>
                </li>
              ))}
            </ul>
          )}

          <div className="field check">
            <input
              id={`${id}-loser`}
              type="checkbox"
              checked={form.loserRequest}
              aria-describedby={`${id}-loser-hint`}
              onChange={(e) => setForm({ loserRequest: e.target.checked })}
            />
            <label htmlFor={`${id}-loser`}>Always ask the loser of a round for a picture</label>
          </div>
          <Hint id={`${id}-loser-hint`} problem={problems.loserRequest}>
            In games with losers (Dice Duel), rooms the wearer hosts ask every round's loser; they
            cannot join a room that does not.
          </Hint>

          <NumberField
            id={`${id}-chance`}
            label="Least surprise check chance (%)"
            value={form.minRandomCheckPercent}
            onChange={(minRandomCheckPercent) => setForm({ minRandomCheckPercent })}
            decimal
            problem={problems.minRandomCheckChance}
          >
            Each round has at least this chance of a surprise picture request in rooms the wearer
            hosts; they cannot join a room with a lower chance.
          </NumberField>

          <NumberField
            id={`${id}-cooldown`}
            label="Longest cooldown between two requests (seconds)"
            value={form.maxCooldownSeconds}
            onChange={(maxCooldownSeconds) => setForm({ maxCooldownSeconds })}
            problem={problems.maxCooldownSeconds}
            bound={
              cooldown !== undefined && cooldown < minCooldownSeconds
                ? `This server's least cooldown is ${minCooldownSeconds} s, so ${minCooldownSeconds} s applies.`
                : undefined
            }
          >
            The wearer may be asked again this soon after a request: a room with a longer cooldown
            uses this one for them.
          </NumberField>

          <NumberField
            id={`${id}-requests`}
            label="Least requests allowed per match"
            value={form.minRequestsPerMatch}
            onChange={(minRequestsPerMatch) => setForm({ minRequestsPerMatch })}
            problem={problems.minRequestsPerMatch}
            bound={
              cap !== undefined && cap > maxRequestsPerMatch
                ? `This server allows at most ${maxRequestsPerMatch} requests per match, so ${maxRequestsPerMatch} applies.`
                : undefined
            }
          >
            A room whose cap on requests per match is lower lets this many reach the wearer.
          </NumberField>

          <NumberField
            id={`${id}-demands`}
            label="Least keyholder demands per match"
            value={form.minKeyholderDemands}
            onChange={(minKeyholderDemands) => setForm({ minKeyholderDemands })}
            problem={problems.minKeyholderDemands}
          >
            The seated keyholder may demand a picture at least this often per match in rooms the
            wearer hosts; they cannot join a room that allows fewer.
          </NumberField>
        </fieldset>

        <p className="note" data-testid="server-limits">
          This server's own limits win over any house rule: at least {minCooldownSeconds} s between
          two requests to a wearer, at most {maxRequestsPerMatch} requests per match, and every
          request waits its turn in the server's budget of calls to Chaster.
        </p>

        {!readOnly && <SaveBar configuration={configuration} />}
      </form>
      {!readOnly && <ChasterSaveButton save={save} />}
    </>
  );
}

/** Lets Chaster's own save button save the form (the page announces it can). */
function ChasterSaveButton({ save }: { save: () => Promise<void> }) {
  useChasterSaveCapability(save, { allowOrigin: allowDevelopmentParent });
  return null;
}

/** Our save button and how the last save went. */
function SaveBar({ configuration }: { configuration: Ready }) {
  const { saveState, saveError } = configuration;
  const status =
    saveState === 'saving'
      ? 'Saving…'
      : saveState === 'saved'
        ? 'Saved. They bind your wearer from the next time they open the games from Chaster.'
        : saveState === 'failed'
          ? errorMessage(saveError)
          : "Chaster's own Save button saves them too.";
  return (
    <div className="config-save">
      <button type="submit" data-testid="config-save" disabled={saveState === 'saving'}>
        Save house rules
      </button>
      <p
        className={saveState === 'failed' ? 'config-status bad' : 'config-status'}
        role="status"
        data-testid="save-status"
        data-state={saveState}
      >
        {status}
      </p>
    </div>
  );
}

/** The allowed games with `game` ticked or not. */
function toggled(form: HouseRulesForm, game: string, on: boolean): string[] {
  const rest = (form.allowedGames ?? []).filter((name) => name !== game);
  return on ? [...rest, game] : rest;
}

/** A rule's one line, or what is wrong with its value instead. */
function Hint({ id, problem, children }: { id: string; problem?: string; children: ReactNode }) {
  return (
    <p id={id} className={problem ? 'config-hint bad' : 'config-hint'}>
      {problem ?? children}
    </p>
  );
}

/** A labelled number input with its one line, a problem, and the server's bound when it wins. */
function NumberField({
  id,
  label,
  value,
  onChange,
  decimal = false,
  problem,
  bound,
  children,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  decimal?: boolean;
  problem?: string;
  bound?: string;
  children: ReactNode;
}) {
  return (
    <div className="field config-number">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode={decimal ? 'decimal' : 'numeric'}
        step={decimal ? 'any' : 1}
        min={0}
        value={value}
        aria-invalid={problem !== undefined}
        aria-describedby={`${id}-hint`}
        onChange={(e) => onChange(e.target.value)}
      />
      <Hint id={`${id}-hint`} problem={problem}>
        {children}
        {bound && <strong className="config-bound"> {bound}</strong>}
      </Hint>
    </div>
  );
}
