/** Keeps a crash in one part of the page (a board, a room) from blanking the whole app. */
import { Component } from 'react';
import type { ReactNode } from 'react';
import { ErrorBox } from './Feedback.js';

interface Props {
  children: ReactNode;
  /**
   * What the player reads instead of the crash's own text, which is meant for developers (React's
   * "Objects are not valid as a React child…"). Default: the crash's text.
   */
  message?: string;
  /** The retry button's words. */
  retryLabel?: string;
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
    const { message, retryLabel = 'Reload the board', onReset } = this.props;
    return (
      <ErrorBox
        error={message === undefined ? this.state.error : new Error(message)}
        retryLabel={retryLabel}
        onRetry={() => {
          onReset?.();
          this.setState({ error: null });
        }}
      />
    );
  }
}
