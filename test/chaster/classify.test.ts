import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyAnswer, parseRetryAfter } from '../../src/chaster/index.js';
import type { ChasterAnswer, ChasterErrorCode, ChasterError } from '../../src/chaster/index.js';

const base: Omit<ChasterAnswer, 'status' | 'body'> = {
  operation: 'requestVerificationPicture',
  route: 'POST /api/extensions/sessions/:sessionId/verification-picture/request',
  headers: { 'content-type': 'application/json' },
};

function classify(status: number, body: unknown, extra: Partial<ChasterAnswer> = {}): ChasterError {
  return classifyAnswer({
    ...base,
    status,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...extra,
  });
}

describe('classifyAnswer reads Chaster’s message before its status', () => {
  it.each<[number, unknown, ChasterErrorCode]>([
    [
      400,
      { statusCode: 400, message: 'A verification request is already pending' },
      'already_pending',
    ],
    [409, { message: 'Verification already pending for this lock' }, 'already_pending'],
    [422, { message: 'This lock does not have a keyholder' }, 'no_keyholder'],
    [
      400,
      { message: ['actor keyholder requires a keyholder', 'Lock has no keyholder'] },
      'no_keyholder',
    ],
    [404, { message: 'Extension not found' }, 'extension_not_enabled'],
    [
      400,
      { message: 'The verification picture extension is not enabled' },
      'extension_not_enabled',
    ],
    [404, { message: 'Session not found' }, 'session_not_found'],
    [404, { message: 'Extension session not found' }, 'session_not_found'],
    [400, { message: 'Invalid main token' }, 'session_not_found'],
    [404, { message: 'Not Found' }, 'session_not_found'],
    [403, { message: 'Forbidden resource' }, 'forbidden'],
    [409, { message: 'Conflict' }, 'already_pending'],
    [
      400,
      { message: ['actor must be one of the following values: wearer, keyholder, extension'] },
      'invalid_request',
    ],
    [401, { message: 'Unauthorized' }, 'unauthorized'],
    [429, { message: 'ThrottlerException: Too Many Requests' }, 'rate_limited'],
    [408, '', 'timeout'],
    [500, { message: 'Internal server error' }, 'server_error'],
    [504, 'upstream timed out', 'server_error'],
    [302, '', 'bad_response'],
    [600, '', 'bad_response'],
  ])('%i %j → %s', (status, body, code) => {
    expect(classify(status, body).code).toBe(code);
  });

  it('409 means already_pending only on the verification request', () => {
    expect(classify(409, { message: 'Conflict' }, { operation: 'createCustomLog' }).code).toBe(
      'invalid_request',
    );
  });

  it('keeps an array message as an array and joins it for display', () => {
    const error = classify(400, {
      statusCode: 400,
      message: ['a is wrong', 'b is wrong'],
      error: 'Bad Request',
    });
    expect(error.serverMessage).toEqual(['a is wrong', 'b is wrong']);
    expect(error.displayMessage).toBe('a is wrong; b is wrong');
  });

  it('shows a hostile message bounded and clean: control characters become spaces, at most 300 characters', () => {
    const error = classify(400, {
      statusCode: 400,
      message: 'bad\u0000\r\nthing ' + '拒'.repeat(500),
    });
    const shown = error.displayMessage;
    expect(shown.startsWith('bad thing 拒')).toBe(true);
    expect(Array.from(shown)).toHaveLength(300);
    expect(shown.endsWith('…')).toBe(true);
    // eslint-disable-next-line no-control-regex -- none may survive
    expect(shown).not.toMatch(/[\u0000-\u001f]/);
  });

  it('blanks the call’s secrets out of the message and raw body', () => {
    const error = classify(
      404,
      { message: 'Session LuV23MTfUFvxu3j-BASHc not found' },
      {
        secrets: ['LuV23MTfUFvxu3j-BASHc'],
      },
    );
    expect(error.code).toBe('session_not_found');
    expect(JSON.stringify(error.toJSON()) + error.rawBody + error.message).not.toContain(
      'LuV23MTfUFvxu3j-BASHc',
    );
  });

  it('never throws and always yields a known code, whatever the status and body', () => {
    const codes = new Set([
      'unauthorized',
      'forbidden',
      'session_not_found',
      'extension_not_enabled',
      'already_pending',
      'no_keyholder',
      'invalid_request',
      'rate_limited',
      'server_error',
      'timeout',
      'network',
      'bad_response',
    ]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.oneof(fc.string(), fc.json(), fc.constant('{"message":null}')),
        fc.option(fc.string(), { nil: undefined }),
        (status, body, retryAfter) => {
          const error = classifyAnswer({
            ...base,
            status,
            body,
            headers: { 'retry-after': retryAfter, 'x-ratelimit-reset': retryAfter },
          });
          expect(codes.has(error.code)).toBe(true);
          expect(error.retryable).toBe(
            ['rate_limited', 'server_error', 'timeout'].includes(error.code),
          );
          if (error.retryAfterMs !== undefined)
            expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
          expect(error.rawBody?.length ?? 0).toBeLessThanOrEqual(4096);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it.each<[Record<string, string>, number | undefined]>([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': 'Thu, 26 Nov 2026 12:00:10 GMT' }, 10_000],
    [{ 'retry-after': 'Thu, 26 Nov 2026 11:00:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'x-ratelimit-reset': String(now / 1000 + 20) }, 20_000],
    [{ 'x-ratelimit-reset': String(now + 20_000) }, 20_000],
    [{ 'x-ratelimit-reset': '45' }, 45_000],
    [{ 'x-ratelimit-reset': '2026-11-26T12:01:00Z' }, 60_000],
    [{ 'retry-after': '5', 'x-ratelimit-reset': '30' }, 30_000],
    [{}, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(parseRetryAfter(headers, now)).toBe(expected);
  });
});
