export * from './errors';
export * from './ids';
export * from './caller';
export * from './log';
