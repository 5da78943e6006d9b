/**
 * What `POST /api/login` and `DELETE /api/login` answer: a Chaster mainToken became this
 * server's login, or the login ended.
 */
import * as z from 'zod/mini';
import type { SeatRole } from '../plugin/types.js';
import { HouseRulesSchema } from './house-rules.js';
import type { Same } from './same.js';

/** A signed-in user's role on their lock, which is also the role of every seat they take. */
export const SeatRoleSchema = z.enum(['wearer', 'keyholder']);
const _seatRole: Same<z.infer<typeof SeatRoleSchema>, SeatRole> = true;

/** `POST /api/login` answer (201): the bearer token and who it signs in. */
export const LoginAnswerSchema = z.object({
  /** This server's signed bearer token; never a Chaster token. */
  token: z.string().check(z.minLength(1)),
  /** When the token stops working (ISO 8601). */
  expiresAt: z.iso.datetime({ offset: true }),
  /** Role of the signed-in user on their lock. */
  role: SeatRoleSchema,
  user: z.object({ id: z.string(), username: z.string() }),
  lock: z.object({
    id: z.string(),
    title: z.string(),
    status: z.string(),
    /** The wearer's username. */
    wearer: z.string(),
    /** The keyholder's username, or null for a self-lock. */
    keyholder: z.nullable(z.string()),
    /** Whether the lock has the Verification Picture extension (without it nothing is sent). */
    verificationPicture: z.boolean(),
  }),
  /**
   * The house rules the lock's keyholder saved, which bind every room this login plays in; null
   * when there are none. Absent from servers older than house rules.
   */
  houseRules: z.optional(z.nullable(HouseRulesSchema)),
  /** True when the server runs against its own emulator (sandbox mode), never against Chaster. */
  sandbox: z.optional(z.boolean()),
});
/** `POST /api/login` answer (201): the bearer token and who it signs in. */
export type LoginAnswer = z.infer<typeof LoginAnswerSchema>;

/** `DELETE /api/login` answer: the login has ended, and its live feeds with it. */
export const LogoutAnswerSchema = z.object({ ok: z.literal(true) });
/** `DELETE /api/login` answer: the login has ended, and its live feeds with it. */
export type LogoutAnswer = z.infer<typeof LogoutAnswerSchema>;
