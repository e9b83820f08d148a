export * from './queues';
export * from './publisher';
