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
  /** partnerConfigurationToken unknown or expired. */
  configurationNotFound: {
    status: 404,
    message: 'Configuration not found',
    basis:
      "Guess, following NestJS's NotFoundException; the docs do not say what a stale token gets.",
  },
  /** A wearer's configuration token tries to save. */
  configurationReadOnly: {
    status: 403,
    message: 'Forbidden resource',
    basis:
      "The docs let only the keyholder edit a running session's configuration; the answer is NestJS's default for a refusing guard, a guess.",
  },
  /** A configuration save whose `config` is not an object. */
  invalidConfiguration: {
    status: 400,
    message: ['config must be an object'],
    basis: "NestJS class-validator's default wording for an object field.",
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

/**
 * How long a partnerConfigurationToken stays valid. Undocumented; a guess that it lives as long as
 * a mainToken. Until then the emulator takes any number of reads and saves with one token.
 */
export const CONFIGURATION_TOKEN_TTL_MS = MAIN_TOKEN_TTL_MS;

/**
 * The method that saves a configuration: the docs' text and the generated client say
 * `PUT /api/extensions/configurations/:token`, their diagram says POST; the emulator serves PUT
 * only, so a client that sends POST fails here first.
 */
export const CONFIGURATION_SAVE_METHOD = 'PUT';

/**
 * A save replaces the whole saved config (nothing is merged into the old one), and a running
 * session's `config` shows it at once, in `GET /api/extensions/sessions/:sessionId` and in the
 * session of the mainToken exchange. The docs say the keyholder's page "can update a configuration
 * for an existing session"; replacement and immediacy are inferences.
 */
export const CONFIGURATION_SAVE_REPLACES = true;

/**
 * The role a custom log gets when its body names none. Undocumented; a guess, since the log is
 * written by the extension.
 */
export const CUSTOM_LOG_DEFAULT_ROLE = 'extension';

/**
 * Whose username `%USER%` in a custom log's title becomes when the role is `extension`. The docs
 * say it is "replaced according to role": the wearer for `user` and `wearer`, the keyholder for
 * `keyholder` (the wearer on a lock without one) follow from that; for `extension` the wearer is
 * a guess, the lock being theirs.
 */
export const CUSTOM_LOG_EXTENSION_USER: 'wearer' | 'keyholder' = 'wearer';

/**
 * How a history search pages and what it shows: newest first, `limit` entries (default 15, at
 * most 100) after the entry `lastId` names, `hasMore` while older ones remain, titles as shown (a
 * custom log's `%USER%` already replaced), and `showOnlyExtensionActions` keeps the entries an
 * extension wrote. The request and answer fields are from the generated client; the order, the
 * bounds and the replaced title are inferences.
 */
export const LOG_SEARCH_PAGE = { defaultLimit: 15, maxLimit: 100, order: 'newest first' } as const;

/**
 * What a wearer's configuration token may do on a running lock: read the config, not save it.
 * Chaster opens the configuration page for a wearer only while they create a self-lock, and for a
 * running session only for its keyholder, so the refusal is an inference.
 */
export const WEARER_CONFIGURATION_ACCESS = 'read';

/**
 * The fields of a configuration answer, as the generated client lists them. The emulator fills
 * `user` with the token's user, `createdAt` with when the token was made and `sessionId` with the
 * running session's (null would mean a lock not started yet, which it never has): inferences.
 */
export const CONFIGURATION_ANSWER_FIELDS =
  'config, role, user, sessionId, extensionSlug, createdAt';
