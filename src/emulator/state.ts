/**
 * The emulator's world: locks, their extension sessions and saved configs, mainTokens,
 * configuration tokens, pending verification requests and lock history, shaped like the objects
 * the real API returns.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { CONFIGURATION_TOKEN_TTL_MS, MAIN_TOKEN_TTL_MS } from './assumptions.js';

/** A user as the emulator knows it. */
export interface EmulatedUser {
  _id: string;
  username: string;
}

/** A pending verification request on a lock. */
export interface PendingVerification {
  requestedAt: string;
  actor: string;
  verificationCode: string;
}

/** One entry of a lock's history (custom logs and verification events). */
export interface HistoryEntry {
  _id: string;
  type: string;
  role: string;
  title: string;
  description: string;
  icon?: string;
  color?: string;
  createdAt: string;
  payload?: Record<string, unknown>;
}

/** A lock with our extension's session on it. */
export interface EmulatedLock {
  lockId: string;
  sessionId: string;
  title: string;
  createdAt: string;
  wearer: EmulatedUser;
  keyholder: EmulatedUser | null;
  verificationPicture: boolean;
  /** Our extension's saved config on this lock (what the configuration page saves). */
  config: ExtensionConfig;
  pending: PendingVerification | null;
  nbVerificationPictures: number;
  lastVerificationPicture: {
    imageKey: string;
    submittedAt: string;
    verificationCode: string;
  } | null;
  history: HistoryEntry[];
}

/** An extension's saved config: a JSON object. */
export type ExtensionConfig = Record<string, unknown>;

/** Who may use a configuration token, and the role it opens the configuration page as. */
export type ConfigurationRole = 'wearer' | 'keyholder';

/** What a partnerConfigurationToken stands for. */
export interface ConfigurationGrant {
  sessionId: string;
  role: ConfigurationRole;
  createdAt: string;
  expiresAt: number;
}

/** What a mainToken stands for. */
export interface MainTokenGrant {
  sessionId: string;
  role: 'wearer' | 'keyholder';
  userId: string;
  expiresAt: number;
}

/** Options for a new lock (`POST /__emulator/locks`). */
export interface CreateLockInput {
  verificationPicture?: boolean;
  keyholder?: boolean;
  title?: string;
  wearerName?: string;
  keyholderName?: string;
  /** Lifetime of the minted mainTokens; default 12 h like Chaster's. */
  tokenTtlMs?: number;
  /** Our extension's saved config; default `{}`. */
  config?: ExtensionConfig;
}

/** Answer of `POST /__emulator/locks`. */
export interface CreatedLock {
  lockId: string;
  sessionId: string;
  tokens: { wearer: string; keyholder?: string };
}

/** A 24-hex id like MongoDB's ObjectId, as Chaster uses for `_id`. */
export function objectId(): string {
  return randomBytes(12).toString('hex');
}

/** A 21-character URL-safe id like Chaster's sessionIds. */
export function sessionIdLike(): string {
  return randomBytes(16).toString('base64url').slice(0, 21);
}

/** A fresh 6-digit verification code, zero-padded. */
export function verificationCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Holds every lock and token of one emulator instance. */
export class EmulatorState {
  readonly locks = new Map<string, EmulatedLock>();
  readonly tokens = new Map<string, MainTokenGrant>();
  readonly configurationTokens = new Map<string, ConfigurationGrant>();
  private lockCount = 0;

  constructor(
    private readonly extensionSlug: string,
    private readonly now: () => number,
  ) {}

  /** Creates a locked lock with our extension's session and mints a mainToken per user. */
  createLock(input: CreateLockInput = {}): CreatedLock {
    this.lockCount += 1;
    const n = this.lockCount;
    const lock: EmulatedLock = {
      lockId: objectId(),
      sessionId: sessionIdLike(),
      title: input.title ?? `Emulated lock ${n}`,
      createdAt: new Date(this.now()).toISOString(),
      wearer: { _id: objectId(), username: input.wearerName ?? `wearer${n}` },
      keyholder:
        input.keyholder === false
          ? null
          : { _id: objectId(), username: input.keyholderName ?? `keyholder${n}` },
      verificationPicture: input.verificationPicture !== false,
      config: structuredClone(input.config ?? {}),
      pending: null,
      nbVerificationPictures: 0,
      lastVerificationPicture: null,
      history: [],
    };
    this.locks.set(lock.sessionId, lock);
    const ttl = input.tokenTtlMs ?? MAIN_TOKEN_TTL_MS;
    const mint = (role: 'wearer' | 'keyholder', userId: string): string => {
      const token = randomBytes(24).toString('base64url');
      this.tokens.set(token, {
        sessionId: lock.sessionId,
        role,
        userId,
        expiresAt: this.now() + ttl,
      });
      return token;
    };
    const tokens: CreatedLock['tokens'] = { wearer: mint('wearer', lock.wearer._id) };
    if (lock.keyholder) tokens.keyholder = mint('keyholder', lock.keyholder._id);
    return { lockId: lock.lockId, sessionId: lock.sessionId, tokens };
  }

  /** The lock with this lockId, or undefined. */
  lockById(lockId: string): EmulatedLock | undefined {
    for (const lock of this.locks.values()) if (lock.lockId === lockId) return lock;
    return undefined;
  }

  /** Mints a partnerConfigurationToken for a lock, as Chaster does when its configuration page opens. */
  mintConfigurationToken(lock: EmulatedLock, role: ConfigurationRole): string {
    const token = randomBytes(24).toString('base64url');
    this.configurationTokens.set(token, {
      sessionId: lock.sessionId,
      role,
      createdAt: new Date(this.now()).toISOString(),
      expiresAt: this.now() + CONFIGURATION_TOKEN_TTL_MS,
    });
    return token;
  }

  /** The grant behind a configuration token, or undefined when unknown or expired. */
  configurationGrant(token: string): ConfigurationGrant | undefined {
    const grant = this.configurationTokens.get(token);
    if (!grant || grant.expiresAt <= this.now()) return undefined;
    return grant;
  }

  /** The answer of `GET`/`PUT /api/extensions/configurations/:token`. */
  configurationFor(lock: EmulatedLock, grant: ConfigurationGrant): Record<string, unknown> {
    const user = grant.role === 'keyholder' && lock.keyholder ? lock.keyholder : lock.wearer;
    return {
      config: structuredClone(lock.config),
      role: grant.role,
      user: { ...user, avatarUrl: null },
      sessionId: lock.sessionId,
      extensionSlug: this.extensionSlug,
      createdAt: grant.createdAt,
    };
  }

  /** The grant behind a mainToken, or undefined when unknown or expired. */
  grant(mainToken: string): MainTokenGrant | undefined {
    const grant = this.tokens.get(mainToken);
    if (!grant || grant.expiresAt <= this.now()) return undefined;
    return grant;
  }

  /** `LockForPublic` as seen by `role`. */
  lockForPublic(
    lock: EmulatedLock,
    role: 'wearer' | 'keyholder' | 'visitor',
  ): Record<string, unknown> {
    const extensions: Array<Record<string, unknown>> = [
      {
        slug: this.extensionSlug,
        displayName: 'bgio-chaster games',
        icon: 'dice',
        config: structuredClone(lock.config),
        mode: 'unlimited',
        regularity: 3600,
        nbActionsRemaining: -1,
        nextActionDate: null,
        userData: {},
      },
    ];
    if (lock.verificationPicture) {
      extensions.push({
        slug: 'verification-picture',
        displayName: 'Verification picture',
        icon: 'camera',
        config: { visibility: 'all', peerVerification: { enabled: false, punishments: [] } },
        mode: 'non_cumulative',
        regularity: 86400,
        nbActionsRemaining: 1,
        nextActionDate: null,
        userData: {
          requestedAt: lock.pending?.requestedAt ?? null,
          verificationCodeRequired: true,
          currentVerificationCode: lock.pending?.verificationCode ?? '',
          nbVerificationPictures: lock.nbVerificationPictures,
          history: [],
        },
      });
    }
    return {
      _id: lock.lockId,
      status: 'locked',
      title: lock.title,
      role,
      user: { ...lock.wearer, avatarUrl: null },
      keyholder: lock.keyholder ? { ...lock.keyholder, avatarUrl: null } : null,
      extensions,
      isFrozen: false,
      frozenAt: null,
      endDate: null,
      displayRemainingTime: false,
      isAllowedToViewTime: false,
      canBeUnlocked: false,
      reasonsPreventingUnlocking: [],
      extensionsAllowUnlocking: true,
      lastVerificationPicture: lock.lastVerificationPicture,
      isTestLock: true,
      trusted: false,
      hideTimeLogs: false,
      totalDuration: 0,
      startDate: lock.createdAt,
      createdAt: lock.createdAt,
    };
  }

  /** `ExtensionSessionForPartner` of a lock. */
  sessionForPartner(lock: EmulatedLock): Record<string, unknown> {
    return {
      _id: objectId(),
      slug: this.extensionSlug,
      displayName: 'bgio-chaster games',
      summary: 'Challenge games with real stakes',
      subtitle: '',
      icon: 'dice',
      isPartner: true,
      textConfig: {},
      mode: 'unlimited',
      regularity: 3600,
      nbActionsRemaining: -1,
      nextActionDate: null,
      sessionId: lock.sessionId,
      config: structuredClone(lock.config),
      data: {},
      userData: {},
      metadata: { reasonsPreventingUnlocking: [], homeActions: [] },
      lock: this.lockForPublic(lock, 'visitor'),
      createdAt: lock.createdAt,
      updatedAt: lock.createdAt,
    };
  }
}
