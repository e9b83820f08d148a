import { describe, it, expect } from 'vitest';
import { ValidationError } from '@cc/core';
import { computeTwilioSignature, parseTwilioSms, smsKeyword, twiml, verifyTwilioSignature } from './twilio';

// The worked example from Twilio's "Webhooks security" documentation.
const DOC_TOKEN = '12345';
const DOC_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOC_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const DOC_SIGNATURE = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

describe('Twilio signature', () => {
  it('reproduces the documented example', () => {
    expect(computeTwilioSignature(DOC_TOKEN, DOC_URL, DOC_PARAMS)).toBe(DOC_SIGNATURE);
  });

  it('does not depend on parameter insertion order', () => {
    const reversed = Object.fromEntries(Object.entries(DOC_PARAMS).reverse());
    expect(computeTwilioSignature(DOC_TOKEN, DOC_URL, reversed)).toBe(DOC_SIGNATURE);
  });

  it('verifies the documented example', () => {
    expect(verifyTwilioSignature(DOC_TOKEN, DOC_URL, DOC_PARAMS, DOC_SIGNATURE)).toBe(true);
  });

  it('rejects a tampered parameter value', () => {
    expect(verifyTwilioSignature(DOC_TOKEN, DOC_URL, { ...DOC_PARAMS, Digits: '1235' }, DOC_SIGNATURE)).toBe(false);
  });

  it('rejects an added parameter', () => {
    expect(verifyTwilioSignature(DOC_TOKEN, DOC_URL, { ...DOC_PARAMS, Body: 'hi' }, DOC_SIGNATURE)).toBe(false);
  });

  it('rejects a different URL or query string', () => {
    expect(
      verifyTwilioSignature(DOC_TOKEN, 'https://mycompany.com/myapp.php?foo=1&bar=3', DOC_PARAMS, DOC_SIGNATURE),
    ).toBe(false);
    expect(verifyTwilioSignature(DOC_TOKEN, 'https://mycompany.com/myapp.php', DOC_PARAMS, DOC_SIGNATURE)).toBe(false);
  });

  it('rejects the wrong auth token', () => {
    expect(verifyTwilioSignature('54321', DOC_URL, DOC_PARAMS, DOC_SIGNATURE)).toBe(false);
  });

  it('rejects a missing, empty, truncated or altered header', () => {
    expect(verifyTwilioSignature(DOC_TOKEN, DOC_URL, DOC_PARAMS, undefined)).toBe(false);
    expect(verifyTwilioSignature(DOC_TOKEN, DOC_URL, DOC_PARAMS, '')).toBe(false);
    expect(verifyTwilioSignature(DOC_TOKEN, DOC_URL, DOC_PARAMS, DOC_SIGNATURE.slice(0, -1))).toBe(false);
    expect(verifyTwilioSignature(DOC_TOKEN, DOC_URL, DOC_PARAMS, 'x' + DOC_SIGNATURE.slice(1))).toBe(false);
  });
});

const SMS = {
  ToCountry: 'US',
  ToState: 'CA',
  SmsMessageSid: 'SM0123456789abcdef0123456789abcdef',
  NumMedia: '0',
  ToCity: 'SAN FRANCISCO',
  FromZip: '',
  SmsSid: 'SM0123456789abcdef0123456789abcdef',
  FromState: '',
  SmsStatus: 'received',
  FromCity: '',
  Body: 'My card was blocked',
  FromCountry: 'CN',
  To: '+14155552671',
  NumSegments: '1',
  MessageSid: 'SM0123456789abcdef0123456789abcdef',
  AccountSid: 'AC0123456789abcdef0123456789abcdef',
  From: '+8613800000001',
  ApiVersion: '2010-04-01',
};

describe('parseTwilioSms', () => {
  it('parses a plain SMS webhook', () => {
    expect(parseTwilioSms(SMS)).toEqual({
      messageSid: 'SM0123456789abcdef0123456789abcdef',
      accountSid: 'AC0123456789abcdef0123456789abcdef',
      from: '+8613800000001',
      to: '+14155552671',
      body: 'My card was blocked',
      numMedia: 0,
      media: [],
    });
  });

  it('parses MMS media', () => {
    const sms = parseTwilioSms({
      ...SMS,
      MessageSid: 'MM0123456789ABCDEF0123456789ABCDEF',
      Body: '',
      NumMedia: '2',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME1',
      MediaContentType0: 'image/jpeg',
      MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME2',
      MediaContentType1: 'application/pdf',
    });
    expect(sms.body).toBe('');
    expect(sms.numMedia).toBe(2);
    expect(sms.media).toEqual([
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME1', contentType: 'image/jpeg' },
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME2', contentType: 'application/pdf' },
    ]);
  });

  it('defaults NumMedia and Body, and omits a missing AccountSid', () => {
    const sms = parseTwilioSms({ MessageSid: SMS.MessageSid, From: SMS.From, To: SMS.To });
    expect(sms.numMedia).toBe(0);
    expect(sms.body).toBe('');
    expect('accountSid' in sms).toBe(false);
  });

  function issuesOf(params: Record<string, string>): string[] {
    try {
      parseTwilioSms(params);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).errors.map((i) => i.path);
    }
    throw new Error('expected parseTwilioSms to throw');
  }

  it('rejects a malformed MessageSid', () => {
    expect(issuesOf({ ...SMS, MessageSid: 'CA0123456789abcdef0123456789abcdef' })).toEqual(['MessageSid']);
    expect(issuesOf({ ...SMS, MessageSid: 'SM0123' })).toEqual(['MessageSid']);
  });

  it('reports every missing field', () => {
    expect(issuesOf({ MessageSid: SMS.MessageSid }).sort()).toEqual(['From', 'To']);
    expect(issuesOf({ ...SMS, From: '' })).toEqual(['From']);
  });

  it('rejects a non-numeric NumMedia and missing media URLs', () => {
    expect(issuesOf({ ...SMS, NumMedia: 'two' })).toEqual(['NumMedia']);
    expect(issuesOf({ ...SMS, NumMedia: '1' })).toEqual(['MediaUrl0']);
  });
});

describe('smsKeyword', () => {
  it.each([
    ['STOP', 'stop'],
    ['stop', 'stop'],
    ['  Stop \n', 'stop'],
    ['STOPALL', 'stop'],
    ['unsubscribe', 'stop'],
    ['CANCEL', 'stop'],
    ['end', 'stop'],
    ['Quit', 'stop'],
    ['START', 'start'],
    ['yes', 'start'],
    ['UNSTOP', 'start'],
    ['help', 'help'],
    ['INFO', 'help'],
  ])('%j -> %s', (body, expected) => {
    expect(smsKeyword(body)).toBe(expected);
  });

  it.each(['', 'please stop charging me', 'stop!', 'helpme', 'constructor', 'toString'])(
    '%j is not a keyword',
    (body) => {
      expect(smsKeyword(body)).toBeNull();
    },
  );
});

describe('twiml', () => {
  it('renders an empty response', () => {
    expect(twiml()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  it('renders an escaped message', () => {
    expect(twiml('Fees < 5 & "free" \'now\' >')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        '<Response><Message>Fees &lt; 5 &amp; &quot;free&quot; &apos;now&apos; &gt;</Message></Response>',
    );
  });
});
