/**
 * Small shared views: the error box every failure goes through, a loading line, and a copy
 * button that still works where the iframe forbids the Clipboard API.
 */
import { useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, errorMessage } from 'bgio-chaster/client';
import { useLogin } from 'bgio-chaster/react';

/** An error message (the server's own words) with optional retry; `data-testid="error"`. */
export function ErrorBox({
  error,
  onRetry,
  retryLabel = 'Try again',
}: {
  error: unknown;
  onRetry?: () => void;
  retryLabel?: string;
}) {
  const login = useLogin();
  // An expired login is fixed by exchanging the mainToken again, not by repeating the call.
  const expired = error instanceof ApiError && error.loginExpired;
  return (
    <div className="error" role="alert" data-testid="error">
      <p>{errorMessage(error)}</p>
      {expired ? (
        <button type="button" onClick={login.retry}>
          Sign in again
        </button>
      ) : (
        onRetry && (
          <button type="button" onClick={onRetry}>
            {retryLabel}
          </button>
        )
      )}
    </div>
  );
}

/** A polite "loading" line with a spinner. */
export function Loading({ children }: { children: ReactNode }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {children}
    </p>
  );
}

/** Copies `text`; falls back to selecting a hidden field when the Clipboard API is blocked. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'idle' | 'done' | 'failed'>('idle');
  async function copy() {
    // navigator.clipboard is missing outside secure contexts (plain http on a LAN address).
    const ok = navigator.clipboard
      ? await navigator.clipboard.writeText(text).then(
          () => true,
          () => legacyCopy(text),
        )
      : legacyCopy(text);
    setCopied(ok ? 'done' : 'failed');
    setTimeout(() => setCopied('idle'), 2000);
  }
  return (
    <button type="button" className="secondary small" onClick={() => void copy()}>
      {copied === 'done' ? 'Copied' : copied === 'failed' ? 'Copy failed: select it' : label}
    </button>
  );
}

// Chaster's iframe may not grant clipboard-write; the old execCommand path still works there.
function legacyCopy(text: string): boolean {
  const focused = document.activeElement as HTMLElement | null;
  const field = document.createElement('textarea');
  field.value = text;
  field.setAttribute('readonly', '');
  field.style.position = 'fixed';
  field.style.opacity = '0';
  document.body.appendChild(field);
  field.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    field.remove();
    // Keep keyboard users where they were, not on the removed field.
    focused?.focus();
  }
}
