import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#src/config.js';
import { startTestSite, type TestSite } from './support/site.js';

let site: TestSite;
let port: number;
beforeAll(async () => {
  site = await startTestSite({ env: { HEADERS_TIMEOUT_SECONDS: '1', REQUEST_TIMEOUT_SECONDS: '2', KEEP_ALIVE_TIMEOUT_SECONDS: '1' } });
  await site.app.listen({ port: 0, host: '127.0.0.1' });
  port = (site.app.server.address() as AddressInfo).port;
});
afterAll(() => site.close());

/** Send `text` on a raw connection and wait for the server to close it; what it answered meanwhile. */
function sendAndWaitForClose(text: string): Promise<{ answer: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => resolve({ answer, closedByServer: true }));
    socket.write(text);
  });
}

/** Slow or stalled clients must not hold a connection forever: the server answers 408 or closes it. */
describe('request timeouts', () => {
  it('closes a connection whose client sent the headers and part of the body, then stopped', async () => {
    const { answer, closedByServer } = await sendAndWaitForClose(
      'POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=stalled%40example.org&pass',
    );
    expect(closedByServer).toBe(true);
    if (answer) expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('closes a connection whose client sent part of the headers, then stopped', async () => {
    const { answer, closedByServer } = await sendAndWaitForClose('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    expect(closedByServer).toBe(true);
    if (answer) expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('closes a kept-alive connection left idle after an answer', async () => {
    const { answer, closedByServer } = await sendAndWaitForClose('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(closedByServer).toBe(true);
  }, 30_000);

  it('still serves a whole request sent at once', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});

describe('timeout settings', () => {
  it('have defaults suited to a proxy in front, and refuse a headers limit longer than the request limit', () => {
    expect(loadConfig({}).timeouts).toEqual({ headersMs: 30_000, requestMs: 120_000, keepAliveMs: 72_000 });
    expect(() => loadConfig({ HEADERS_TIMEOUT_SECONDS: '200' })).toThrow(ConfigError);
    expect(() => loadConfig({ REQUEST_TIMEOUT_SECONDS: '0' })).toThrow(/REQUEST_TIMEOUT_SECONDS must be a whole number of seconds/);
  });
});
