/**
 * zod schemas for what we send to and read from the Chaster Extensions API.
 * Response schemas are loose on purpose: they require the fields this project reads and keep
 * every other field, so a new field on Chaster's side never breaks a call.
 */
import { z } from 'zod';

/** Who Chaster records as having asked for an action (the "actor system"). */
export const ActorSchema = z.enum(['wearer', 'keyholder', 'extension']);
/** Who Chaster records as having asked for an action. */
export type Actor = z.infer<typeof ActorSchema>;

/**
 * A Chaster extension sessionId. Real ones are 21 URL-safe characters ("LuV23MTfUFvxu3j-BASHc");
 * we accept any URL-safe id up to 128 characters so a format change does not lock us out.
 */
export const SessionIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, "-" and "_"');

const SESSION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** `SessionIdSchema` as a plain test, for hot paths; zod then only words a refusal. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

/** The mainToken from the extension page's hash; printable ASCII without spaces. */
export const MainTokenSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/**
 * A partnerConfigurationToken, which Chaster gives the extension's configuration page; printable
 * ASCII without spaces, like a mainToken.
 */
export const ConfigurationTokenSchema = MainTokenSchema;

/** An extension's saved configuration: a JSON object, whatever the extension puts in it. */
export const ExtensionConfigSchema = z.record(z.string(), z.unknown(), {
  error: 'must be a JSON object',
});
/** An extension's saved configuration: a JSON object, whatever the extension puts in it. */
export type ExtensionConfig = z.infer<typeof ExtensionConfigSchema>;

/** A Chaster user as other users see it. */
export const UserSchema = z.looseObject({
  _id: z.string(),
  username: z.string(),
});
/** A Chaster user as other users see it. */
export type ChasterUser = z.infer<typeof UserSchema>;

/** One extension enabled on a lock. */
export const LockExtensionSchema = z.looseObject({
  slug: z.string(),
});

/** A lock (`LockForPublic`): only the fields this project reads are required. */
export const LockSchema = z.looseObject({
  _id: z.string(),
  status: z.string(),
  title: z.string(),
  user: UserSchema,
  keyholder: UserSchema.nullable().optional(),
  extensions: z.array(LockExtensionSchema).optional(),
});
/** A lock (`LockForPublic`). */
export type ChasterLock = z.infer<typeof LockSchema>;

/** An extension session (`ExtensionSessionForPartner`). */
export const SessionSchema = z.looseObject({
  sessionId: z.string(),
  lock: LockSchema,
  /** The extension's saved configuration; null or absent when it has none. */
  config: ExtensionConfigSchema.nullish(),
});
/** An extension session (`ExtensionSessionForPartner`). */
export type ChasterSession = z.infer<typeof SessionSchema>;

/** Answer of `GET /api/extensions/auth/sessions/:mainToken`. */
export const SessionAuthSchema = z.looseObject({
  role: z.enum(['wearer', 'keyholder']),
  session: SessionSchema,
  lockForUser: LockSchema,
  userId: z.string(),
});
/** Who opened the extension page, and on which session. */
export type SessionAuth = z.infer<typeof SessionAuthSchema>;

/**
 * Answer of `GET` and `PUT /api/extensions/configurations/:token`: the configuration a
 * configuration page edits, who opened it, and the running session's id (null before the lock
 * starts).
 */
export const ConfigurationSchema = z.looseObject({
  config: ExtensionConfigSchema,
  role: z.enum(['wearer', 'keyholder']),
  sessionId: z.string().nullable(),
  user: UserSchema.optional(),
  extensionSlug: z.string().optional(),
  createdAt: z.string().optional(),
});
/** A configuration as the configuration page's token opens it. */
export type ChasterConfiguration = z.infer<typeof ConfigurationSchema>;

/** Answer of `GET /api/extensions/sessions/:sessionId`. */
export const GetSessionSchema = z.looseObject({ session: SessionSchema });

/**
 * Body of `POST /api/extensions/sessions/:sessionId/logs/custom`. `%USER%` in the title is
 * replaced by Chaster according to `role`; chaster-js types the wearer's role as `user`.
 */
export const CustomLogSchema = z.strictObject({
  title: z.string().min(1, 'must not be empty').max(200),
  description: z.string().max(2000),
  role: z.enum(['wearer', 'user', 'keyholder', 'extension']).optional(),
  icon: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be a FontAwesome name without "fa-"')
    .optional(),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex colour like #ff8800')
    .optional(),
});
/** A custom entry for the lock history. */
export type CustomLog = z.infer<typeof CustomLogSchema>;

/** Body of `POST /api/extensions/sessions/:sessionId/logs/search`: a page of the lock history. */
export const SearchLogsBodySchema = z.strictObject({
  /** Whose view of the history: what that role may see. */
  role: z.enum(['keyholder', 'wearer', 'visitor']),
  /** Entries per page (Chaster's default 15). */
  limit: z.number().int().min(1).max(100).optional(),
  /** The `_id` of the last entry of the previous page. */
  lastId: z.string().max(64).optional(),
  /** Only the entries extensions wrote. */
  showOnlyExtensionActions: z.boolean().optional(),
});
/** What a history search asks for. */
export type SearchLogsBody = z.infer<typeof SearchLogsBodySchema>;

/** One entry of a lock history (`ActionLogForPublic`), with the fields this client reads. */
export const ActionLogSchema = z.looseObject({
  _id: z.string(),
  type: z.string().optional(),
  role: z.string().optional(),
  title: z.string(),
  description: z.string().nullish(),
  createdAt: z.string(),
});
/** One entry of a lock history. */
export type ActionLog = z.infer<typeof ActionLogSchema>;

/** Answer of `POST /api/extensions/sessions/:sessionId/logs/search`: a page, newest first. */
export const SearchLogsAnswerSchema = z.looseObject({
  results: z.array(ActionLogSchema),
  count: z.number().optional(),
  hasMore: z.boolean(),
});
/** A page of a lock history, newest first. */
export type SearchLogsAnswer = z.infer<typeof SearchLogsAnswerSchema>;

/** The error body NestJS sends: `message` is a string, or an array for validation errors. */
export const NestErrorSchema = z.looseObject({
  statusCode: z.number().optional(),
  message: z.union([z.string(), z.array(z.string())]).optional(),
  error: z.string().optional(),
});
