export * from './app';
export * from './auth';
export * from './config';
export * from './deps';
export * from './problems';
export * from './compose';
export * from './services/customers';
export * from './services/notify';
