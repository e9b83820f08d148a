/**
 * Queue settings shared by the CDK stack and the local runtime.
 * The visibility timeout is 6x the notifier's timeout (AWS's guidance for Lambda event sources).
 */
export const notifierTimeoutSeconds = 30;

export const queueDefinitions = {
  notifications: {
    name: 'notifications',
    visibilityTimeoutSeconds: notifierTimeoutSeconds * 6,
    maxReceiveCount: 5,
  },
  notificationsDlq: {
    name: 'notifications-dlq',
    retentionDays: 14,
  },
} as const;
