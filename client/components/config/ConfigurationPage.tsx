/**
 * The extension's configuration page (`/config`), which Chaster opens in an iframe when a
 * keyholder adds the extension to a lock or edits its settings: the lock's house rules, read from
 * the `partnerConfigurationToken` in the hash. It needs no login of ours; every way it can fail
 * ends in a sentence saying what to do.
 */
import { Component, useMemo } from 'react';
import type { ReactNode } from 'react';
import { ApiError, errorMessage, readPartnerConfigurationToken } from 'bgio-chaster/client';
import { useHouseRulesConfiguration } from 'bgio-chaster/react';
import { Loading } from '../common/Feedback.js';
import { HouseRulesEditor } from './HouseRulesEditor.js';

/** The whole page: the token from the hash, then the house rules or why they cannot be shown. */
export function ConfigurationPage() {
  // Chaster opens a fresh iframe for each visit: the hash is read once.
  const hash = useMemo(() => readPartnerConfigurationToken(window.location.hash), []);
  return (
    <main className="page narrow config-page">
      <h1>House rules</h1>
      <PageErrorBoundary>
        {hash.ok ? <Configuration token={hash.token} /> : <Problem message={hash.reason} />}
      </PageErrorBoundary>
    </main>
  );
}

/** The lock's house rules by `token`: loading, the editor, or the failure in words. */
function Configuration({ token }: { token: string }) {
  const configuration = useHouseRulesConfiguration(token);
  if (configuration.status === 'loading') return <Loading>Loading the house rules…</Loading>;
  if (configuration.status === 'error') {
    const { error, retry } = configuration;
    return <Problem message={errorMessage(error)} onRetry={retryable(error) ? retry : undefined} />;
  }
  return <HouseRulesEditor configuration={configuration} />;
}

/** Whether trying again can help: the server or Chaster was unreachable, busy or slow. */
function retryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

/** Why the page shows no rules, and where the right link comes from. */
function Problem({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="panel" role="alert" data-testid="config-problem">
      <p>
        <strong>{message}</strong>
      </p>
      <p>
        Keyholders open this page from Chaster, in this extension's settings on the lock; each visit
        gets a fresh link, valid for a limited time.
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Shows a sentence instead of a blank page if the page itself crashes. */
class PageErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <Problem message="This page could not show the house rules. Close it and open the extension's settings from Chaster again." />
    );
  }
}
