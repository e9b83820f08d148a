import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { givenUpMessages } from '@cc/core/log';

export const GIVEN_UP_METRIC = { namespace: 'ContactCenter', name: 'WorkGivenUp' } as const;

/**
 * Work the system stopped retrying after it was accepted (a case follow-up parked as failed, a
 * notification no channel would take) is logged with a fixed message; every function's log is counted
 * into one metric, which alarms on the first occurrence. GET /ops/stuck lists the items.
 */
export class GivenUpAlarm extends Construct {
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: { functions: NodejsFunction[] }) {
    super(scope, id);
    const filterPattern = FilterPattern.any(
      ...Object.values(givenUpMessages).map((message) => FilterPattern.stringValue('$.message', '=', message)),
    );
    for (const fn of props.functions) {
      new MetricFilter(this, `${fn.node.id}Filter`, {
        logGroup: fn.logGroup,
        filterPattern,
        metricNamespace: GIVEN_UP_METRIC.namespace,
        metricName: GIVEN_UP_METRIC.name,
        metricValue: '1',
      });
    }
    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription:
        'Accepted work was given up on after its retries (case follow-up or notification); see GET /ops/stuck.',
      metric: new Metric({
        namespace: GIVEN_UP_METRIC.namespace,
        metricName: GIVEN_UP_METRIC.name,
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
