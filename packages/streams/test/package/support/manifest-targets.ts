import type { PackedPackage } from './pack';

/** Every file path the manifest points to: `main`, `types` and each target of `exports`, all conditions. */
export function manifestTargets(packed: PackedPackage): string[] {
  const targets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect([packed.manifest.main, packed.manifest.types, packed.manifest.exports]);
  return targets.map((target) => target.replace(/^\.\//, ''));
}
