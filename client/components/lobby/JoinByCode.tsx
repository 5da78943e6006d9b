/** Joining a room by its code, for rooms shared by message rather than found in the list. */
import { useId, useState } from 'react';
import type { FormEvent } from 'react';

/** A room-code field and a Join button. */
export function JoinByCode({ busy, onJoin }: { busy: boolean; onJoin: (code: string) => void }) {
  const id = useId();
  const [code, setCode] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    onJoin(code.trim());
  }
  return (
    <form className="join-code" onSubmit={submit} noValidate>
      <label htmlFor={id}>Join by room code</label>
      <div className="inline">
        <input
          id={id}
          data-testid="join-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          placeholder="e.g. aB3dE5gH"
        />
        <button type="submit" data-testid="join-submit" disabled={busy}>
          Join
        </button>
      </div>
    </form>
  );
}
