/**
 * Every guess the emulator makes about the real Chaster API, in one place.
 *
 * Chaster documents that these cases "return an error" but not the status or body
 * (docs/design.md, "The endpoint it exists for"). Each answer below is our choice of a plausible
 * NestJS answer. The client (`src/chaster/classify.ts`) reads the message text first and the
 * status only as a fallback, so a different real status changes little. The tables in
 * docs/emulator.md ("Assumptions") are generated from this file by `npm run docs`: an entry's
 * JSDoc names its case, and a constant's JSDoc is its basis (test/docs/generated.test.ts fails
 * when the page is stale).
 */

/** One assumed error answer: NestJS's default body `{statusCode, message, error}`. */
export interface AssumedError {
  status: number;
  message: string | string[];
  /** Why we believe this, or that it is a guess. */
  basis: string;
}

/** The assumed answers, keyed by the case they stand for. */
export const ASSUMED_ERRORS = {
  /** Missing or wrong developer token. */
  unauthorized: {
    status: 401,
    message: 'Unauthorized',
    basis: "Guess: NestJS's default for a failed bearer guard.",
  },
  /** mainToken unknown or older than 12 h. */
  mainTokenNotFound: {
    status: 404,
    message: 'Session not found',
    basis: 'Guess. The docs say a mainToken expires after 12 h, not what the API answers then.',
  },
  /** sessionId unknown (or its lock has ended). */
  sessionNotFound: {
    status: 404,
    message: 'Session not found',
    basis: "Guess, following NestJS's NotFoundException.",
  },
  /** The lock has no Verification Picture extension. */
  extensionNotEnabled: {
    status: 404,
    message: 'Verification picture extension not found on this lock',
    basis:
      'The docs say "returns an error"; a public bot maps text containing "not found" to this case.',
  },
  /** actor "keyholder" on a lock without a keyholder. */
  noKeyholder: {
    status: 400,
    message: 'This lock does not have a keyholder',
    basis: 'The actor-system doc says this errors; status and text are guesses.',
  },
  /** A request while one is pending. */
  alreadyPending: {
    status: 400,
    message: 'A verification picture request is already pending',
    basis:
      'A public bot maps text containing "already pending" to this case; the lock keeps one requestedAt timestamp.',
  },
  /** Body fails validation (class-validator answers an array of messages). */
  invalidActor: {
    status: 400,
    message: ['actor must be one of the following values: wearer, keyholder, extension'],
    basis: "NestJS class-validator's default wording for an enum field.",
  },
} as const satisfies Record<string, AssumedError>;

/** Status of a successful verification request and custom log: documented (201, no body). */
export const CREATED_STATUS = 201;

/** How long a mainToken stays valid: documented as 12 h. */
export const MAIN_TOKEN_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * A pending verification request blocks the next one until the wearer submits a picture.
 * Inference from the lock's single `requestedAt` field; whether it ever expires is unknown, so the
 * emulator keeps it until `/__emulator/sessions/:sessionId/submit`.
 */
export const ONE_PENDING_REQUEST_PER_LOCK = true;

/** Webhook retries: the docs describe up to 4 more tries, a minute apart. The emulator tries once. */
export const WEBHOOK_ATTEMPTS = 1;
