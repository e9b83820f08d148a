import { RetentionDays } from 'aws-cdk-lib/aws-logs';

const allowed = new Set(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

/** A number of days from ops-config.ts as CloudWatch Logs' retention; a value it does not accept fails synth. */
export function retention(days: number): RetentionDays {
  if (!allowed.has(days)) throw new Error(`${days} days is not a CloudWatch Logs retention period`);
  return days as RetentionDays;
}
