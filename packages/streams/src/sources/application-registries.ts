import { FormatRegistry, TypeRegistry } from '@sinclair/typebox';
import { isStandardFormat } from './formats';

/**
 * Copies the string formats and custom types an ES module application registered with TypeBox
 * into the registries this package's schema checks read.
 *
 * TypeBox is published as CommonJS and as an ES module, and Node loads them as two modules, each
 * with its own `FormatRegistry` and `TypeRegistry`. This package is CommonJS, so its checks read
 * the CommonJS registries; an ES module application's `FormatRegistry.Set` writes to the other,
 * and every record with that format was dead-lettered as "Unknown format". The application's
 * entries win over the standard formats the package registers (as when it registers them first),
 * not over those it registered through CommonJS. Called by the engine before it decodes anything:
 * what the application registers after it started is not seen.
 */
export async function adoptApplicationRegistries(): Promise<void> {
  // `import()`, not `require`: it loads the ES module build, the application's when it is one.
  const esm = await import('@sinclair/typebox');
  for (const [name, check] of esm.FormatRegistry.Entries()) {
    const ours = FormatRegistry.Get(name);
    if (ours === undefined || isStandardFormat(ours)) FormatRegistry.Set(name, check);
  }
  for (const [kind, check] of esm.TypeRegistry.Entries()) if (!TypeRegistry.Has(kind)) TypeRegistry.Set(kind, check);
}
