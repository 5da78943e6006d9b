/**
 * The board's view, rendered to HTML from a played state: the current spinner gets the spin
 * button, everyone else is told whom they wait for, and the end says how many pictures the wheel
 * asked for. Loading `Board.tsx` also loads `bgio-chaster/react`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { Client } from 'boardgame.io/client';
import { WheelView } from '../src/Board.js';
import type { Segment, WheelResult } from '../src/game.js';
import { steered } from './steer.js';

const stops: Array<() => void> = [];
afterEach(() => {
  while (stops.length) stops.pop()!();
});

const names: Record<string, string> = { '0': 'alice', '1': 'bob' };

/** The view of `me` after the wheel landed on `landings`, spun by whoever's turn it was. */
function viewAfter(landings: Segment[], me: string) {
  const client = Client({ game: steered(landings), numPlayers: 2, debug: false });
  client.start();
  stops.push(() => client.stop());
  for (let i = 0; i < landings.length; i++) {
    client.updatePlayerID(client.getState()!.ctx.currentPlayer);
    client.moves.spin!();
  }
  const { G, ctx } = client.getState()!;
  return renderToStaticMarkup(
    <WheelView
      G={G}
      currentPlayer={ctx.currentPlayer}
      gameover={ctx.gameover as WheelResult | undefined}
      me={me}
      nameOf={(id) => names[id]!}
      onSpin={() => {}}
    />,
  );
}

describe('the board', () => {
  it('gives the spin button to the current spinner only, and marks where the wheel stopped', () => {
    const bob = viewAfter(['Verification picture'], '1');
    expect(bob).toContain('data-testid="spin"');
    expect(bob).toContain('Spin the wheel (3 of 3 left)');
    expect(bob).toContain('<li aria-current="true">Verification picture</li>');
    expect(bob).toContain('alice landed on “Verification picture”.');

    const alice = viewAfter(['Verification picture'], '0');
    expect(alice).not.toContain('data-testid="spin"');
    expect(alice).toContain('Waiting for bob to spin.');
    expect(alice).toContain('you landed on “Verification picture”.');
  });

  it('says how many pictures the wheel asked for once the game is over', () => {
    const html = viewAfter(
      ['Verification picture', 'Nothing', 'Nothing', 'Verification picture', 'Nothing', 'Nothing'],
      '0',
    );
    expect(html).toContain('Game over: the wheel asked for 2 verification pictures.');
    expect(html).not.toContain('data-testid="spin"');
  });
});
