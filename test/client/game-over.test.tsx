/**
 * The app's game-over summary reads `gameover` from the server or the game state as untrusted: a
 * shape it does not know is left out, never rendered (React throws on an object where it expects
 * text, and a throw there blanked the page).
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { GameOver, summaryOf } from '../../client/components/boards/GameOver.js';

const nameOf = (playerID: string) => `seat ${playerID}`;
const view = (gameover: unknown) =>
  renderToStaticMarkup(<GameOver gameover={gameover} valueLabel="Lost rounds" nameOf={nameOf} />);

describe('GameOver', () => {
  it('shows a summary of the games', () => {
    const html = view({
      winners: ['1'],
      lines: [
        { playerID: '0', label: 'seat 0', value: 2 },
        { playerID: '1', label: 'seat 1', value: 0 },
      ],
      requests: 2,
    });
    expect(html).toContain('Winner: seat 1');
    expect(html).toContain('<th scope="row">seat 0</th><td>2</td>');
    expect(html).toContain('<tr class="winner"><th scope="row">seat 1 (winner)</th><td>0</td>');
    expect(html).toContain('The game recorded 2 verification requests.');
  });

  it('renders only what it understands of a summary of another shape', () => {
    const gameover = {
      winners: ['0', { toString: 'x' }, 7],
      lines: [
        { playerID: '0', label: 'seat 0', value: { $$typeof: 'x', nested: [1] } },
        { playerID: '1', label: { a: 1 }, value: 3 },
        { playerID: '1', label: 'again', value: 4 },
        { playerID: { id: '2' }, value: 5 },
        { playerID: '3', value: Number.NaN },
        null,
        'line',
      ],
      requests: { count: 3 },
    };
    expect(summaryOf(gameover)).toEqual({
      winners: ['0'],
      lines: [{ playerID: '1', label: '', value: 3 }],
      requests: undefined,
    });
    const html = view(gameover);
    expect(html).toContain('Winner: seat 0');
    expect(html).toContain('<th scope="row">seat 1</th><td>3</td>');
    expect(html).not.toContain('The game recorded');
    for (const odd of [null, 'over', 5, [], { winners: 'all', lines: [] }, { lines: {} }]) {
      expect(view(odd), JSON.stringify(odd)).toContain('<p>The game has ended.</p>');
    }
  });
});
