export * from './app';
export * from './auth';
export * from './config';
export type {
  ApiHttpDeps,
  AppEnv,
  AppHttpDeps,
  ConsoleHttpDeps,
  HealthProbes,
  HttpDeps,
  PublicHttpDeps,
} from './http/env';
export { createCursorCodec, type CursorCodec } from './http/cursor';
export * from './http/problems';
export * from './http-deps';
