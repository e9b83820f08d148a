export * from './errors';
export * from './ids';
export * from './caller';
export * from './log';
export * from './customers';
export * from './scope';
export * from './notifications';
