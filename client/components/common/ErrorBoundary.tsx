/** Keeps a crash in one part of the page (a board) from blanking the whole app. */
import { Component } from 'react';
import type { ReactNode } from 'react';
import { ErrorBox } from './Feedback.js';

interface Props {
  children: ReactNode;
  /** What "try again" does besides re-rendering (e.g. fetch fresh credentials). */
  onReset?: () => void;
}

/** Shows an error box with a retry button instead of a blank page when a child throws. */
export class ErrorBoundary extends Component<Props, { error: unknown }> {
  override state = { error: null as unknown };

  static getDerivedStateFromError(error: unknown) {
    return { error: error ?? new Error('The board crashed.') };
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <ErrorBox
        error={this.state.error}
        retryLabel="Reload the board"
        onRetry={() => {
          this.props.onReset?.();
          this.setState({ error: null });
        }}
      />
    );
  }
}
