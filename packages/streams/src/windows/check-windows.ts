import type { WindowDefinition } from './window';

/**
 * Refuses a window definition that would drop or misplace records, and returns it frozen. The
 * factories (`tumbling`, `hopping`, `session`) go through it, and so does `window()`: the
 * definition types are plain interfaces, so one written as an object (read from configuration)
 * compiles without a factory, and would otherwise reach the operators unchecked (a size of 0
 * counts nothing; an advance past the size loses the records between windows).
 */
export function checkWindows<W extends WindowDefinition>(windows: W): W {
  const kind: unknown = (windows as { kind?: unknown } | null | undefined)?.kind;
  // Whole milliseconds: a fractional size puts window boundaries between the records' times.
  const positive = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
  switch (kind) {
    case 'tumbling': {
      const { size, advance } = windows as { size: unknown; advance: unknown };
      if (!positive(size)) throw new RangeError(`tumbling window size must be a positive whole number of ms, got ${String(size)}`);
      if (advance !== size) throw new RangeError(`a tumbling window advances by its size (${String(size)} ms), got advance ${String(advance)}: use hopping() for overlapping windows`);
      break;
    }
    case 'hopping': {
      const { size, advance } = windows as { size: unknown; advance: unknown };
      if (!positive(size) || !positive(advance)) throw new RangeError(`hopping window size and advance must be positive whole numbers of ms, got size ${String(size)}, advance ${String(advance)}`);
      if ((advance as number) > (size as number)) throw new RangeError(`hopping window advance (${String(advance)} ms) must not exceed its size (${String(size)} ms)`);
      break;
    }
    case 'session': {
      const { gap } = windows as { gap: unknown };
      if (!positive(gap)) throw new RangeError(`session gap must be a positive whole number of ms, got ${String(gap)}`);
      break;
    }
    default:
      throw new RangeError(`unknown window definition (kind ${JSON.stringify(kind)}): use tumbling(), hopping() or session()`);
  }
  return Object.isFrozen(windows) ? windows : (Object.freeze({ ...windows }) as unknown as W);
}
