import type { DerivedInvariant } from '@cc/store/check-data';
import type { ReportRebuildService } from './report-rebuild';

const SHOWN_COUNTERS = 4;

/**
 * `npm run check-data -- --reports`: the report aggregates equal what the base items count, as the rebuild would
 * write them. A difference means a stream record was lost (given up after its retries) or counted twice, or the
 * reporter is behind; `npm run reports:rebuild` recounts.
 */
export function reportAggregatesInvariant(reports: Pick<ReportRebuildService, 'differences'>): DerivedInvariant {
  return {
    name: 'report-aggregates',
    description:
      'every report aggregate (the months inside the retention period, and the present) equals what the base ' +
      'items count; run it with the reporter caught up',
    async check() {
      const { compared, differences } = await reports.differences();
      const violations = differences.map(({ scope, period, counters }) => {
        const differing = Object.entries(counters);
        const shown = differing
          .slice(0, SHOWN_COUNTERS)
          .map(([name, [stored, counted]]) => `${name} is ${stored}, counted ${counted}`)
          .join('; ');
        const more = differing.length > SHOWN_COUNTERS ? ` and ${differing.length - SHOWN_COUNTERS} more` : '';
        return {
          key: `${scope}|${period}|${JSON.stringify(counters)}`,
          detail: `report ${scope} ${period}: ${shown}${more} (npm run reports:rebuild recounts it)`,
        };
      });
      return { checked: compared, violations };
    },
  };
}
