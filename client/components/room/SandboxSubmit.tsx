/**
 * Sandbox mode only: the wearer answers their own picture request from the page, as they would
 * in Chaster, so the whole loop (request → delivered → picture → `submitted`) shows in the
 * timeline without leaving it.
 */
import { useState } from 'react';
import type { LoginAnswer, VerificationStatus } from 'bgio-chaster/client';
import { useSignedIn } from 'bgio-chaster/react';
import { ErrorBox } from '../common/Feedback.js';

/**
 * The ids of the requests the sandbox button may answer: in sandbox mode only, for a wearer, those
 * of their own seat `me` that ask for a picture now (delivered or already pending).
 */
export function sandboxPictures(
  login: Pick<LoginAnswer, 'sandbox' | 'role'>,
  me: string | undefined,
  statuses: readonly VerificationStatus[],
): string[] {
  if (login.sandbox !== true || login.role !== 'wearer' || me === undefined) return [];
  return statuses
    .filter(
      (s) => s.playerID === me && (s.status === 'delivered' || s.status === 'already_pending'),
    )
    .map((s) => s.id);
}

/**
 * "Submit the picture (sandbox)" (`data-testid="sandbox-submit"`) while `pending` (from
 * `sandboxPictures`) has a request; after a submission it waits for those requests to turn
 * `submitted` in the timeline.
 */
export function SandboxSubmit({ matchID, pending }: { matchID: string; pending: string[] }) {
  const { api } = useSignedIn();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Requests this page already answered: the webhook marks them `submitted` a moment later.
  const [answered, setAnswered] = useState<ReadonlySet<string>>(() => new Set());
  if (pending.length === 0) return null;
  const waiting = pending.every((id) => answered.has(id));

  async function submit() {
    setBusy(true);
    setError(null);
    const ids = pending;
    try {
      await api.verifications.sandboxSubmit(matchID);
      setAnswered((prev) => new Set([...prev, ...ids]));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="sandbox-submit">
      <button
        type="button"
        data-testid="sandbox-submit"
        disabled={busy || waiting}
        onClick={() => void submit()}
      >
        {waiting ? 'Picture submitted…' : 'Submit the picture (sandbox)'}
      </button>
      <p className="muted small">
        In Chaster you would take the picture there; here the emulator answers as if you had.
      </p>
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}
