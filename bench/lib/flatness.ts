import type { HttpClient, RequestSpec } from './http-load';
import { Budget, median } from './stats';

export interface FlatRoute {
  name: string;
  small: () => RequestSpec;
  large: () => RequestSpec;
}

export interface FlatResult {
  name: string;
  smallMedian: number;
  largeMedian: number;
  ratio: number;
  samples: number;
  errors: number;
  /** Items in the first page of each answer, to show both pages are full ones. */
  smallItems?: number;
  largeItems?: number;
}

const itemsIn = (body: string): number | undefined => {
  try {
    const parsed = JSON.parse(body) as { items?: unknown[]; latestContacts?: unknown[] };
    return (parsed.items ?? parsed.latestContacts)?.length;
  } catch {
    return undefined;
  }
};

/** The same read for an owner with 10 items and one with 10,000, interleaved (alternating order). */
export async function measureFlatness(
  http: HttpClient,
  route: FlatRoute,
  options: { warmup: number; samples: number; maxMs: number },
): Promise<FlatResult> {
  let errors = 0;
  let smallItems: number | undefined;
  let largeItems: number | undefined;
  const one = async (spec: RequestSpec, which: 'small' | 'large') => {
    const res = await http.send(spec);
    if (res.status !== 200) {
      errors++;
      if (errors === 1) process.stderr.write(`  ${route.name} (${which}): ${res.status} ${res.body.slice(0, 300)}\n`);
    }
    if (which === 'small') smallItems ??= itemsIn(res.body);
    else largeItems ??= itemsIn(res.body);
    return res.ms;
  };
  for (let i = 0; i < options.warmup; i++) {
    await one(route.small(), 'small');
    await one(route.large(), 'large');
  }
  const small: number[] = [];
  const large: number[] = [];
  const budget = new Budget(options.samples, options.maxMs);
  while (budget.next()) {
    if (budget.count % 2) {
      small.push(await one(route.small(), 'small'));
      large.push(await one(route.large(), 'large'));
    } else {
      large.push(await one(route.large(), 'large'));
      small.push(await one(route.small(), 'small'));
    }
  }
  const smallMedian = median(small);
  const largeMedian = median(large);
  return {
    name: route.name,
    smallMedian,
    largeMedian,
    ratio: largeMedian / smallMedian,
    samples: small.length,
    errors,
    smallItems,
    largeItems,
  };
}
