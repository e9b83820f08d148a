export * from './identity';
export * from './twilio';
// Email parsing (postal-mime) is a subpath, '@cc/channels/email', so the API bundle does not carry it.
export * from './email-signature';
export * from './web-form';
export * from './attachments';
export { safeEqual } from './safe-equal';
export * from './secrets';
export * from './customer-templates';
// SES sending is a subpath, '@cc/channels/ses', so only the notifier bundles its client.
export { twilioSmsSender, type TwilioSenderSettings } from './twilio-sender';
export * from './web-i18n';
export * from './web-status';
export * from './archive';
