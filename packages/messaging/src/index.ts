export * from './queues';
export * from './publisher';
export * from './queue-locator';
export * from './delivery';
export * from './notifier';
export * from './notifier-lambda';
export * from './sweeper';
