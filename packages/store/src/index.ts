export * from './keys';
export * from './client';
export * from './cursor';
export * from './errors';
