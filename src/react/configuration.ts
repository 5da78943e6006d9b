/**
 * The configuration page's kit. Chaster opens an extension's configuration page in an iframe
 * (`#{"partnerConfigurationToken":…}`, see `readPartnerConfigurationToken`) and talks with it by
 * postMessage, in JSON strings: the page announces that it can save, Chaster's own save button
 * asks it to save, and the page answers `save_loading`, then `save_success` or `save_failed`.
 * `useChasterSaveCapability` speaks that protocol (`attachChasterSaveCapability` without React);
 * `useHouseRulesConfiguration` loads, edits, checks and saves the lock's house rules.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { HOUSE_RULE_LIMITS, HouseRulesSchema, createApiClient } from '../client/index.js';
import type {
  ApiClient,
  ConfigurationAnswer,
  HOUSE_RULE_NAMES,
  HouseRules,
} from '../client/index.js';

/** Chaster's web app, the only origin whose save messages are taken unless more are allowed. */
export const CHASTER_ORIGIN = 'https://chaster.app';

/** Longest message from the parent that is read at all: Chaster's save message is ~60 characters. */
const MAX_MESSAGE_LENGTH = 1024;

/** What the page announces once mounted: it has a save of its own for Chaster's button to run. */
const CAPABILITIES = JSON.stringify({
  type: 'partner_configuration',
  event: 'capabilities',
  payload: { features: { save: true } },
});

/** Which parents may ask the page to save (`https://chaster.app` always may). */
export interface SaveCapabilityOptions {
  /**
   * Exact origins (`https://host:port`) that may ask too, besides `CHASTER_ORIGIN`: a test or
   * development parent such as `http://127.0.0.1:5173`.
   */
  allowedOrigins?: readonly string[];
  /**
   * Another test for an origin no list can name ahead (a development parent on any loopback
   * port); true lets it ask. A test that throws refuses.
   */
  allowOrigin?: (origin: string) => boolean;
}

/** Anything that takes a postMessage: the parent window. */
export interface MessageTarget {
  /** `window.postMessage`: `message` is sent to the window only if its origin is `targetOrigin`. */
  postMessage(message: string, targetOrigin: string): void;
}

/** A `message` event as far as it is read: what was sent, from which origin, by which window. */
export interface MessageEventLike {
  /** What the sender posted; Chaster posts JSON strings. */
  readonly data: unknown;
  /** The sender's origin, as the browser vouches for it. */
  readonly origin: string;
  /** The sending window; compared with `parent`, never called. */
  readonly source: unknown;
}

/** The part of `window` the save capability uses (a fake in tests, `window` in a page). */
export interface SaveCapabilityWindow {
  /** The embedding window; the window itself when the page is not in a frame. */
  readonly parent: MessageTarget;
  /** Subscribes to `message` events. */
  addEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
  /** Unsubscribes from `message` events. */
  removeEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
}

/**
 * Speaks Chaster's save protocol in `host` (a page's `window`) until the returned function is
 * called: announces the capability to the parent, and on each save message from the parent runs
 * `onSave`, answering `save_loading` then `save_success` or `save_failed` as its promise settles.
 * A message is taken only from the parent window itself, from an allowed origin, and only if it is
 * exactly Chaster's save message; everything else is ignored. A save asked for while one runs is
 * ignored: that one already answers, and Chaster shows it as loading. Outside a frame it does
 * nothing.
 */
export function attachChasterSaveCapability(
  host: SaveCapabilityWindow,
  onSave: () => Promise<void>,
  options: SaveCapabilityOptions = {},
): () => void {
  const parent = host.parent;
  // A top-level page has no Chaster to talk to; and its own messages must never save.
  if ((parent as unknown) === host) return () => {};
  let saving = false;
  const listener = (event: MessageEventLike) => {
    if (event.source !== parent || !originAllowed(options, event.origin)) return;
    if (!isSaveMessage(event.data) || saving) return;
    saving = true;
    // The answers carry nothing secret; they go to the origin that asked (and was allowed).
    const answer = (name: 'save_loading' | 'save_success' | 'save_failed') => {
      try {
        parent.postMessage(
          JSON.stringify({ type: 'partner_configuration', event: name }),
          event.origin,
        );
      } catch {
        // An origin postMessage cannot target ("null", allowed by a careless allowOrigin).
      }
    };
    answer('save_loading');
    // The answer is sent even if the page stopped listening meanwhile: Chaster waits for it.
    void settled(onSave)
      .then(
        () => answer('save_success'),
        () => answer('save_failed'),
      )
      .finally(() => (saving = false));
  };
  host.addEventListener('message', listener);
  // Sent to any origin: it says only that the page can save, and the parent's origin is not
  // known before it speaks (Chaster's own extensions announce it the same way).
  parent.postMessage(CAPABILITIES, '*');
  return () => host.removeEventListener('message', listener);
}

/** `onSave`'s promise, a throw in it turned into a rejection. */
function settled(onSave: () => Promise<void>): Promise<void> {
  try {
    return Promise.resolve(onSave());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Whether `origin` may ask for a save: Chaster's, a listed one, or one `allowOrigin` accepts. */
function originAllowed(options: SaveCapabilityOptions, origin: string): boolean {
  if (origin === CHASTER_ORIGIN || options.allowedOrigins?.includes(origin)) return true;
  try {
    return options.allowOrigin?.(origin) === true;
  } catch {
    return false;
  }
}

/** Whether `data` is exactly Chaster's save message: a short JSON string of the right shape. */
function isSaveMessage(data: unknown): boolean {
  if (typeof data !== 'string' || data.length > MAX_MESSAGE_LENGTH) return false;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return false;
  }
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'chaster' &&
    (message as { event?: unknown }).event === 'partner_configuration_save'
  );
}

/**
 * Makes Chaster's save button run `onSave` while the component is mounted (see
 * `attachChasterSaveCapability`): `onSave` rejecting answers `save_failed`, so Chaster keeps the
 * settings open. The latest `onSave` and options are used; the capability is announced once.
 */
export function useChasterSaveCapability(
  onSave: () => Promise<void>,
  options: SaveCapabilityOptions = {},
): void {
  const latest = useRef({ onSave, options });
  useEffect(() => {
    latest.current = { onSave, options };
  });
  useEffect(() => {
    const host = (globalThis as { window?: SaveCapabilityWindow }).window;
    if (host === undefined) return;
    return attachChasterSaveCapability(host, () => latest.current.onSave(), {
      allowOrigin: (origin) => originAllowed(latest.current.options, origin),
    });
  }, []);
}

/** The name of a house rule. */
export type HouseRuleName = (typeof HOUSE_RULE_NAMES)[number];

/**
 * The house rules as a form holds them: numbers as typed (an empty field leaves the rule out),
 * the random check chance in percent.
 */
export interface HouseRulesForm {
  /** `null`: every game (the rule is left out); a list: only these games, none if empty. */
  allowedGames: string[] | null;
  /** Whether the loser of a round must be asked; unticked leaves the rule out. */
  loserRequest: boolean;
  /** The least random check chance, in percent (0–100), as typed. */
  minRandomCheckPercent: string;
  /** The longest cooldown a room may keep, in seconds, as typed. */
  maxCooldownSeconds: string;
  /** The least cap on requests per match, as typed. */
  minRequestsPerMatch: string;
  /** The least number of keyholder demands per match, as typed. */
  minKeyholderDemands: string;
}

/** What is wrong with a form's house rules, one sentence per rule. */
export type HouseRulesProblems = Partial<Record<HouseRuleName, string>>;

/** The form holding `config` (house rules as saved). */
export function houseRulesForm(config: HouseRules): HouseRulesForm {
  const text = (n: number | undefined) => (n === undefined ? '' : String(n));
  const chance = config.minRandomCheckChance;
  return {
    allowedGames: config.allowedGames === undefined ? null : [...config.allowedGames],
    loserRequest: config.loserRequest === true,
    // toPrecision drops the float noise of the product (0.07 × 100 = 7.000000000000001).
    minRandomCheckPercent:
      chance === undefined ? '' : String(Number((chance * 100).toPrecision(12))),
    maxCooldownSeconds: text(config.maxCooldownSeconds),
    minRequestsPerMatch: text(config.minRequestsPerMatch),
    minKeyholderDemands: text(config.minKeyholderDemands),
  };
}

/** The sentence shown under a number field whose value `HouseRulesSchema` refuses. */
function numberProblem(rule: Exclude<HouseRuleName, 'allowedGames' | 'loserRequest'>): string {
  if (rule === 'minRandomCheckChance') {
    return 'Enter a percentage from 0 to 100, or leave it empty.';
  }
  const { min, max } = HOUSE_RULE_LIMITS[rule];
  const unit = rule === 'maxCooldownSeconds' ? ' of seconds' : '';
  return `Enter a whole number${unit} from ${min} to ${max}, or leave it empty.`;
}

/**
 * The house rules a form holds, checked with `HouseRulesSchema` (the server's own check), or a
 * sentence for each field it refuses.
 */
export function readHouseRulesForm(
  form: HouseRulesForm,
): { ok: true; rules: HouseRules } | { ok: false; problems: HouseRulesProblems } {
  // An empty field is left out; anything else goes to the schema as a number (NaN if it is none).
  const num = (text: string) => (text.trim() === '' ? undefined : Number(text.trim()));
  const percent = num(form.minRandomCheckPercent);
  const candidate: Record<string, unknown> = {
    allowedGames: form.allowedGames === null ? undefined : [...new Set(form.allowedGames)],
    loserRequest: form.loserRequest ? true : undefined,
    minRandomCheckChance:
      percent === undefined ? undefined : Number((percent / 100).toPrecision(12)),
    maxCooldownSeconds: num(form.maxCooldownSeconds),
    minRequestsPerMatch: num(form.minRequestsPerMatch),
    minKeyholderDemands: num(form.minKeyholderDemands),
  };
  for (const key of Object.keys(candidate)) {
    if (candidate[key] === undefined) delete candidate[key];
  }
  const parsed = HouseRulesSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, rules: parsed.data };
  const problems: HouseRulesProblems = {};
  for (const issue of parsed.error.issues) {
    const rule = issue.path[0] as HouseRuleName;
    if (problems[rule] !== undefined) continue;
    problems[rule] =
      rule === 'allowedGames' || rule === 'loserRequest' ? issue.message : numberProblem(rule);
  }
  return { ok: false, problems };
}

/** Why a save was refused on the page, before any call: the code is the server's for the same. */
export class ConfigurationSaveError extends Error {
  override readonly name = 'ConfigurationSaveError';
  constructor(
    /** `invalid_house_rules`, `only_keyholder_saves` or `not_loaded`. */
    readonly code: 'invalid_house_rules' | 'only_keyholder_saves' | 'not_loaded',
    message: string,
    /** For `invalid_house_rules`: what is wrong, per rule. */
    readonly problems: HouseRulesProblems = {},
  ) {
    super(message);
  }
}

/** How the last save went: none since the last change, running, done, or refused. */
export type SaveState = 'idle' | 'saving' | 'saved' | 'failed';

/** The configuration page's data: loading, a failed load, or the house rules being edited. */
export type HouseRulesConfiguration =
  | { status: 'loading' }
  | { status: 'error'; error: unknown; retry: () => void }
  | {
      status: 'ready';
      /** The server's answer as last loaded or saved: saved rules, role, `canSave`, games, limits. */
      answer: ConfigurationAnswer;
      /** The form as edited. */
      form: HouseRulesForm;
      /** What is wrong with the form now (empty when it is valid). */
      problems: HouseRulesProblems;
      /** Changes some fields of the form. */
      setForm: (change: Partial<HouseRulesForm>) => void;
      /**
       * Checks and saves the form; rejects (`ConfigurationSaveError` before any call, `ApiError`
       * from the server) when it is not saved. A save while one runs joins it.
       */
      save: () => Promise<void>;
      /** How the last save went. */
      saveState: SaveState;
      /** Why the last save failed; null otherwise. */
      saveError: unknown;
    };

type State =
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | {
      status: 'ready';
      answer: ConfigurationAnswer;
      form: HouseRulesForm;
      saveState: SaveState;
      saveError: unknown;
    };

/** Where the configuration calls go. */
export interface HouseRulesConfigurationOptions {
  /** The game server's URL or path; default: the page's own origin. */
  baseUrl?: string;
  /** A ready client (a custom `fetch`, tests); `baseUrl` is then unused. */
  client?: ApiClient;
}

/**
 * The lock's house rules on the configuration page, by Chaster's `partnerConfigurationToken`:
 * loads them (`configuration.get`), keeps the form, checks it as the server will
 * (`readHouseRulesForm`), and saves it (`configuration.save`). A new token loads again.
 */
export function useHouseRulesConfiguration(
  token: string,
  options: HouseRulesConfigurationOptions = {},
): HouseRulesConfiguration {
  const { client, baseUrl } = options;
  const api = useMemo(
    () => client ?? createApiClient(baseUrl === undefined ? {} : { baseUrl }),
    [client, baseUrl],
  );
  const [state, setState] = useState<State>({ status: 'loading' });
  // The state as last set, for `save` and `setForm` called before the next render.
  const current = useRef<State>(state);
  const commit = useCallback((next: State) => {
    current.current = next;
    setState(next);
  }, []);
  const running = useRef<Promise<void> | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    running.current = undefined;
    commit({ status: 'loading' });
    api.configuration.get(token, { signal: controller.signal }).then(
      (answer) => {
        if (controller.signal.aborted) return;
        const form = houseRulesForm(answer.config);
        commit({ status: 'ready', answer, form, saveState: 'idle', saveError: null });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) commit({ status: 'error', error });
      },
    );
    return () => controller.abort();
  }, [api, token, attempt, commit]);

  const setForm = useCallback(
    (change: Partial<HouseRulesForm>) => {
      const now = current.current;
      if (now.status !== 'ready') return;
      const saveState = now.saveState === 'saved' ? 'idle' : now.saveState;
      commit({ ...now, form: { ...now.form, ...change }, saveState });
    },
    [commit],
  );

  const save = useCallback((): Promise<void> => {
    if (running.current) return running.current;
    const now = current.current;
    if (now.status !== 'ready') {
      return Promise.reject(
        new ConfigurationSaveError(
          'not_loaded',
          'The house rules have not loaded yet: wait a moment, then save again.',
        ),
      );
    }
    const refuse = (error: ConfigurationSaveError) => {
      commit({ ...now, saveState: 'failed', saveError: error });
      return Promise.reject(error);
    };
    if (!now.answer.canSave) {
      return refuse(
        new ConfigurationSaveError(
          'only_keyholder_saves',
          "Only the lock's keyholder can save its house rules; you can read them.",
        ),
      );
    }
    const read = readHouseRulesForm(now.form);
    if (!read.ok) {
      return refuse(
        new ConfigurationSaveError(
          'invalid_house_rules',
          'These house rules are not valid: correct the fields marked below, then save again.',
          read.problems,
        ),
      );
    }
    const sent = now.form;
    commit({ ...now, saveState: 'saving', saveError: null });
    const run = api.configuration.save(token, read.rules).then(
      (answer) => {
        if (running.current !== run) return;
        const latest = current.current;
        // Edits made while saving stay in the form, and are not saved yet.
        const edited = latest.status === 'ready' && latest.form !== sent;
        commit({
          status: 'ready',
          answer,
          form: edited ? latest.form : houseRulesForm(answer.config),
          saveState: edited ? 'idle' : 'saved',
          saveError: null,
        });
      },
      (error: unknown) => {
        const latest = current.current;
        if (running.current === run && latest.status === 'ready') {
          commit({ ...latest, saveState: 'failed', saveError: error });
        }
        throw error;
      },
    );
    running.current = run;
    const clear = () => {
      if (running.current === run) running.current = undefined;
    };
    run.then(clear, clear);
    return run;
  }, [api, token, commit]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const form = state.status === 'ready' ? state.form : undefined;
  const problems = useMemo(() => {
    if (form === undefined) return {};
    const read = readHouseRulesForm(form);
    return read.ok ? {} : read.problems;
  }, [form]);

  if (state.status === 'loading') return state;
  if (state.status === 'error') return { ...state, retry };
  return { ...state, problems, setForm, save };
}
