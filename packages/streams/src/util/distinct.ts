/** A value a distinct count tells apart. */
export type Distinct = string | number;

// A number and the string of its digits are distinct values: saved keys keep them apart.

/** The value as a saved key: `#42` for a number, `$42` for a string. */
export const distinctKey = (v: Distinct): string => (typeof v === 'number' ? `#${v}` : `$${v}`);

/** The value a saved key stands for. */
export const fromDistinctKey = (k: string): Distinct => (k[0] === '#' ? Number(k.slice(1)) : k.slice(1));
