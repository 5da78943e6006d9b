/**
 * A compile-time check that a schema's values and a type defined elsewhere are the same set.
 */

/**
 * `true` when `A` and `B` are mutually assignable, `never` otherwise: declare
 * `const _check: Same<A, B> = true` to make typecheck fail when two definitions part ways.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
