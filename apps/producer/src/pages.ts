import type { Random } from './random';

/**
 * Paths of a small web shop with a blog, most visited first. `createPageCatalog(n)` takes the first
 * `n`; beyond this list it adds product pages (`/products/item-0031`…), the long tail of a shop.
 */
const SITE: readonly string[] = [
  '/',
  '/products',
  '/products/wireless-headphones',
  '/search',
  '/cart',
  '/products/running-shoes',
  '/blog',
  '/products/smart-watch',
  '/checkout',
  '/account',
  '/products/coffee-grinder',
  '/blog/how-to-choose-running-shoes',
  '/deals',
  '/products/yoga-mat',
  '/blog/home-office-setup',
  '/login',
  '/products/travel-backpack',
  '/help/shipping',
  '/blog/coffee-brewing-guide',
  '/about',
  '/products/desk-lamp',
  '/help/returns',
  '/products/water-bottle',
  '/blog/best-headphones-2024',
  '/contact',
  '/products/bluetooth-speaker',
  '/wishlist',
  '/blog/marathon-training-plan',
  '/careers',
  '/privacy',
];

/** How fast popularity falls with rank: weight of the k-th page (from 1) is 1 / k^s. */
const ZIPF_EXPONENT = 1.1;

export interface Page {
  readonly url: string;
  /** Share of page views this page gets, summing to 1 over the catalog. */
  readonly weight: number;
}

/** A fixed set of pages, some far more popular than others (Zipf-like, like real traffic). */
export interface PageCatalog {
  readonly pages: readonly Page[];
  /** A page drawn by popularity. */
  pick(random: Random): string;
}

/**
 * The `count` most visited pages of the simulated site, weighted by popularity.
 * @example createPageCatalog(20).pick(createRandom(1)); // '/', '/products', … more often than '/about'
 */
export function createPageCatalog(count: number): PageCatalog {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`page count must be a positive integer, got ${count}`);
  const urls = Array.from({ length: count }, (_, i) => SITE[i] ?? `/products/item-${String(i + 1).padStart(4, '0')}`);
  const raw = urls.map((_, i) => 1 / Math.pow(i + 1, ZIPF_EXPONENT));
  const total = raw.reduce((a, b) => a + b, 0);
  const pages = Object.freeze(urls.map((url, i) => Object.freeze({ url, weight: raw[i]! / total })));
  // Cumulative weights, searched by bisection: O(log n) per pick whatever the catalog size.
  const cumulative = new Float64Array(count);
  let sum = 0;
  pages.forEach((p, i) => (cumulative[i] = sum += p.weight));
  return Object.freeze({
    pages,
    pick(random: Random): string {
      const x = random.next() * sum;
      let lo = 0;
      let hi = count - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      return urls[lo]!;
    },
  });
}
