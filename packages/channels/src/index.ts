export * from './identity';
export * from './twilio';
export * from './email';
export * from './web-form';
export { safeEqual } from './safe-equal';
