import { Hono } from 'hono';
import { getConnInfo, handle, type APIGatewayProxyResult, type LambdaEvent } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../config';
import { clientAddress } from './client-address';
import type { AppEnv } from './env';
import { verifyOrigin } from './middleware';
import { toProblem } from './problems';

const SOURCE_IP = '198.51.100.7';
const SECRET = 'origin-secret-value';

/**
 * The address the abuse limits would key on, asked through the Lambda adapter the API runs on (hono/aws-lambda,
 * an HTTP API payload 2.0 event), with or without the front door's origin check and trusted proxy hops.
 */
async function addressOnLambda(headers: Record<string, string>, options: { frontDoor?: boolean; hops?: number } = {}) {
  const app = new Hono<AppEnv>();
  const verifier = options.frontDoor ? async (value: string | undefined) => value === SECRET : undefined;
  app.use('*', verifyOrigin('x-origin-verify', verifier));
  const config = { TRUSTED_PROXY_HOPS: options.hops ?? 0 } as AppConfig;
  app.get('/ip', (c) => c.text(clientAddress(c, { config, connInfo: getConnInfo })));
  app.onError((error, c) => toProblem(error, c, () => undefined));
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/ip',
    rawQueryString: '',
    headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method: 'GET', path: '/ip', protocol: 'HTTP/1.1', sourceIp: SOURCE_IP, userAgent: 'test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '28/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  } as unknown as LambdaEvent;
  const res = (await handle(app)(event)) as APIGatewayProxyResult;
  return { status: res.statusCode, address: res.body };
}

describe('the client address for abuse limits', () => {
  it("is Lambda's sourceIp, whatever the client writes in X-Forwarded-For or CloudFront's own header", async () => {
    const claimed = { 'x-forwarded-for': '203.0.113.1', 'cloudfront-viewer-address': '203.0.113.2:443' };
    expect(await addressOnLambda(claimed)).toEqual({ status: 200, address: SOURCE_IP });
  });

  it('behind the verified front door, is the CloudFront viewer address (IPv4 or IPv6, no port)', async () => {
    const through = { 'x-origin-verify': SECRET, 'x-forwarded-for': '203.0.113.1' };
    const v4 = await addressOnLambda(
      { ...through, 'cloudfront-viewer-address': '192.0.2.44:51234' },
      { frontDoor: true },
    );
    expect(v4).toEqual({ status: 200, address: '192.0.2.44' });
    const v6 = await addressOnLambda(
      { ...through, 'cloudfront-viewer-address': '2001:DB8::1:51234' },
      { frontDoor: true },
    );
    expect(v6.address).toBe('2001:db8::1');
    // A viewer address that is not an address: the connecting peer (CloudFront's edge) instead, never the text.
    const junk = await addressOnLambda({ ...through, 'cloudfront-viewer-address': 'evil:1' }, { frontDoor: true });
    expect(junk.address).toBe(SOURCE_IP);
  });

  it('going round the front door (no or a wrong origin header) is refused before any limit is counted', async () => {
    const viewer = { 'cloudfront-viewer-address': '192.0.2.44:51234' };
    expect((await addressOnLambda(viewer, { frontDoor: true })).status).toBe(403);
    expect((await addressOnLambda({ ...viewer, 'x-origin-verify': 'guess' }, { frontDoor: true })).status).toBe(403);
  });

  it('behind trusted proxy hops, is the X-Forwarded-For entry the outermost of them appended', async () => {
    const forwarded = { 'x-forwarded-for': '203.0.113.1, 10.0.0.9, 192.0.2.10' };
    expect((await addressOnLambda(forwarded, { hops: 1 })).address).toBe('192.0.2.10');
    expect((await addressOnLambda(forwarded, { hops: 2 })).address).toBe('10.0.0.9');
    // Fewer entries than hops, or a hop that is not an address: the peer.
    expect((await addressOnLambda({ 'x-forwarded-for': '192.0.2.10' }, { hops: 2 })).address).toBe(SOURCE_IP);
    expect((await addressOnLambda({ 'x-forwarded-for': 'a, not-an-ip' }, { hops: 1 })).address).toBe(SOURCE_IP);
  });

  it("is 'unknown' (one shared bucket) where the host says nothing of the connection", async () => {
    const app = new Hono<AppEnv>();
    const config = { TRUSTED_PROXY_HOPS: 0 } as AppConfig;
    app.get('/ip', (c) => c.text(clientAddress(c, { config, connInfo: getConnInfo })));
    const res = await app.request('/ip', { headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(await res.text()).toBe('unknown');
  });
});
