/**
 * The sandbox's "Submit the picture" button shows only in sandbox mode, only to a wearer, and only
 * for their own requests that ask for a picture now (the browser test presses it).
 */
import { describe, expect, it } from 'vitest';
import { sandboxPictures } from '../../client/components/room/SandboxSubmit.js';
import type { VerificationStatus } from '../../src/client/index.js';

const at = '2025-01-01T10:00:00.000Z';
const request = (id: string, playerID: string, status: VerificationStatus['status']) =>
  ({
    id,
    playerID,
    reason: 'lost round 1',
    actor: 'extension',
    status,
    message: null,
    createdAt: at,
    updatedAt: at,
  }) satisfies VerificationStatus;

const statuses = [
  request('m:1:0', '0', 'delivered'),
  request('m:2:0', '0', 'already_pending'),
  request('m:3:0', '0', 'submitted'),
  request('m:4:0', '0', 'failed'),
  request('m:5:0', '0', 'queued'),
  request('m:6:0', '1', 'delivered'),
];

describe('sandboxPictures', () => {
  it('a wearer in sandbox mode may answer their own delivered and already pending requests', () => {
    expect(sandboxPictures({ sandbox: true, role: 'wearer' }, '0', statuses)).toEqual([
      'm:1:0',
      'm:2:0',
    ]);
    expect(sandboxPictures({ sandbox: true, role: 'wearer' }, '1', statuses)).toEqual(['m:6:0']);
  });

  it('outside sandbox mode, for a keyholder, or without a seat, there is nothing to answer', () => {
    expect(sandboxPictures({ role: 'wearer' }, '0', statuses)).toEqual([]);
    expect(sandboxPictures({ sandbox: false, role: 'wearer' }, '0', statuses)).toEqual([]);
    expect(sandboxPictures({ sandbox: true, role: 'keyholder' }, '0', statuses)).toEqual([]);
    expect(sandboxPictures({ sandbox: true, role: 'wearer' }, undefined, statuses)).toEqual([]);
  });
});
