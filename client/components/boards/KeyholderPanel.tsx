/** The keyholder's part of a board: demands left and a Demand button per wearer. */

/** Demands left and (for the seated keyholder) one Demand button per wearer. */
export function KeyholderPanel({
  demandsLeft,
  wearers,
  isKeyholder,
  disabled,
  nameOf,
  canDemandOn,
  onDemand,
}: {
  demandsLeft: number;
  wearers: string[];
  isKeyholder: boolean;
  disabled: boolean;
  nameOf: (playerID: string) => string;
  canDemandOn: (playerID: string) => boolean;
  onDemand: (target: string) => void;
}) {
  const others = wearers.filter((p) => !canDemandOn(p));
  return (
    <section className="keyholder-panel" aria-label="Keyholder">
      <p>
        Keyholder demands left: <strong data-testid="demands-left">{demandsLeft}</strong>
      </p>
      {isKeyholder && (
        <div className="button-row">
          {wearers.map((target) => (
            <button
              key={target}
              type="button"
              className="demand"
              data-testid="demand"
              data-target={target}
              disabled={disabled || demandsLeft <= 0 || !canDemandOn(target)}
              onClick={() => onDemand(target)}
            >
              Demand a picture from {nameOf(target)}
            </button>
          ))}
        </div>
      )}
      {isKeyholder && others.length > 0 && (
        <p className="muted small">
          You can only demand from the wearer of your own lock; {others.map(nameOf).join(', ')}{' '}
          {others.length === 1 ? 'is' : 'are'} someone else’s.
        </p>
      )}
    </section>
  );
}
