/**
 * Business metrics the functions emit as CloudWatch Embedded Metric Format (EMF) log lines, and that the
 * stack's dashboard and alarms read (infra/constructs/monitoring.ts). One source for the names: a renamed
 * metric fails to compile on both sides instead of silently flat-lining a graph.
 *
 * Emission contract (one JSON log line per event or per batch):
 *   { "_aws": { "Timestamp": <epoch ms>, "CloudWatchMetrics": [{ "Namespace": metricNamespace,
 *       "Dimensions": [[metricDimensions.stage]], "Metrics": [{ "Name": <metricNames.x>, "Unit": "Count" }] }] },
 *     "Stage": "<STAGE env var>", "<metricNames.x>": <count>, ...other log fields (never PII) }
 * Every metric is published with the dimension set [Stage]; notifications may add [Stage, Channel] as a
 * second dimension set. The dashboard and alarms read the [Stage] series.
 */
export const metricNamespace = 'ContactCenter';

export const metricNames = {
  /** A complaint or inquiry was opened (any channel: staff, public form, SMS, email, import). */
  casesOpened: 'CasesOpened',
  /** A notification reached its channel (email, SMS, webhook; inbox-only counts as delivered). */
  notificationsDelivered: 'NotificationsDelivered',
  /** A notification's channel was given up on after its attempts (it stays in the inbox). */
  notificationsGivenUp: 'NotificationsGivenUp',
  /** An outbound contact was held back by the don't-pester rules (preferred channel, quiet hours, frequency). */
  contactGuardBlocks: 'ContactGuardBlocks',
  /** A case missed its first-response deadline, or an opportunity's next step went overdue. */
  slaBreaches: 'SlaBreaches',
  /** An inbound SMS refused because the webhook is closed (no Twilio token set yet): the customer's text is lost. */
  smsRefusedWebhookClosed: 'SmsRefusedWebhookClosed',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];

export const metricDimensions = {
  /** The deployment stage (dev, staging, prod), from the STAGE environment variable every function gets. */
  stage: 'Stage',
  /** The delivery channel of a notification: email, sms, webhook, inbox. */
  channel: 'Channel',
} as const;

/** The unit every business metric uses. */
export const metricUnit = 'Count';
