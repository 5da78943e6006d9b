/**
 * House rules in the lobby's views: what they say (above the host form), what they forced in a
 * room just made or joined (the server's `forced` answer), and a house rule refusing a room (409
 * `game_not_allowed`, `house_rules_stricter`) in the server's words with what to do.
 */
import { useId } from 'react';
import type { ForcedRule, HouseRules } from 'bgio-chaster/client';
import type { SeatRole } from '../../../game/types.js';
import { ErrorBox } from '../common/Feedback.js';
import { houseRuleLines, houseRuleRefusal, ruleLabel, valueWords } from './house-rules.js';
import './house-rules.css';

/**
 * The lock's house rules, one line each, and whom they bind: the wearer in every room they play
 * in; for the keyholder, their wearer (`wearer`) when they join. Nothing when none is set.
 */
export function HouseRulesSummary({
  house,
  role,
  wearer,
}: {
  house: HouseRules | null | undefined;
  role: SeatRole;
  wearer: string;
}) {
  const headingId = useId();
  const lines = house ? houseRuleLines(house) : [];
  if (lines.length === 0) return null;
  return (
    <section className="house-rules" aria-labelledby={headingId} data-testid="house-rules">
      <h3 id={headingId}>
        {role === 'wearer' ? "Your keyholder's house rules" : `Your house rules for ${wearer}`}
      </h3>
      <ul>
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <p className="muted small">
        {role === 'wearer'
          ? 'They bind every room you play in: where a room asks for less, they apply instead.'
          : `They bind ${wearer}, not you: where your room asks for less, ${wearer}'s seat gets them, and a room whose game rules ask for less refuses ${wearer}.`}
      </p>
    </section>
  );
}

/**
 * What the caller's house rules decided in the room they just made or joined: each rule, the
 * value that binds them, and the server's reason. `data-testid="forced-rules"`.
 */
export function ForcedRules({
  forced,
  joined,
  onDismiss,
}: {
  forced: readonly ForcedRule[];
  /** True when the room was joined, false when it was made. */
  joined: boolean;
  onDismiss?: () => void;
}) {
  const headingId = useId();
  if (forced.length === 0) return null;
  return (
    <section
      className="panel forced-rules"
      role="status"
      aria-labelledby={headingId}
      data-testid="forced-rules"
    >
      <h2 id={headingId}>
        {joined
          ? "Your keyholder's house rules set your seat's rules"
          : "Your keyholder's house rules set this room's rules"}
      </h2>
      <ul>
        {forced.map((item) => {
          const value = valueWords(item.rule, item.value);
          return (
            <li key={item.rule} data-testid="forced-rule" data-rule={item.rule}>
              <strong>{ruleLabel(item.rule)}</strong>
              {value !== '' && <>: {value}</>}
              <br />
              <span className="muted small">{item.reason}</span>
            </li>
          );
        })}
      </ul>
      {onDismiss && (
        <button type="button" className="secondary small" onClick={onDismiss}>
          OK
        </button>
      )}
    </section>
  );
}

/** What to do about each house-rule refusal, hosting or joining. */
const ADVICE = {
  game_not_allowed: {
    host: 'Choose a game your keyholder allows, or ask them to allow this one in the extension’s settings on Chaster.',
    join: 'Join or host a room of a game your keyholder allows, or ask them to allow this one in the extension’s settings on Chaster.',
  },
  house_rules_stricter: {
    host: 'Change the rules the message names, then create the room again.',
    join: 'Host a room yourself instead: the host form applies your keyholder’s house rules to it.',
  },
} as const;

/**
 * A failed host or join: a house rule's refusal shows the server's message and what to do
 * (`data-testid="house-rule-refusal"`, `data-code`); any other error goes to the error box.
 */
export function RoomRefusal({ error, during }: { error: unknown; during: 'host' | 'join' }) {
  const code = houseRuleRefusal(error);
  if (code === undefined) return <ErrorBox error={error} />;
  return (
    <div className="error" role="alert" data-testid="house-rule-refusal" data-code={code}>
      <p>{(error as Error).message}</p>
      <p className="advice">{ADVICE[code][during]}</p>
    </div>
  );
}
