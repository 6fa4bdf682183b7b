import { connect } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorsPlugin, HttpError } from '../../../src/http/errors.js';

describe('errors plugin', () => {
  it('a request that arrives while the app closes gets 503 in the one error shape, with Connection: close', async () => {
    const app = Fastify({ return503OnClosing: false });
    await app.register(errorsPlugin);
    let entered = () => {};
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    app.get('/slow', async () => {
      entered();
      await held;
      return { ok: true };
    });
    app.get('/fast', async () => ({ ok: true }));
    const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));

    // One keep-alive connection: a slow request under way when the app starts closing, then another.
    const socket = connect(Number(address.port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
    });
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await inHandler;
    const closing = app.close();
    await new Promise((r) => setImmediate(r));
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await ended;
    await closing;

    const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /); // what was under way finishes
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(JSON.parse(String(second?.slice(second.indexOf('\r\n\r\n') + 4)))).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The service is shutting down',
      requestId: expect.any(String),
    });
  });

  it('shows the message of an HttpError, even a 5xx one, and hides any other 5xx', async () => {
    const app = Fastify();
    await app.register(errorsPlugin);
    app.get('/known', async () => {
      throw new HttpError(503, 'try later', { 'retry-after': '5' });
    });
    app.get('/bug', async () => {
      throw new Error('secret detail');
    });
    const known = await app.inject({ method: 'GET', url: '/known' });
    expect(known.statusCode).toBe(503);
    expect(known.headers['retry-after']).toBe('5');
    expect(known.json().message).toBe('try later');
    const bug = await app.inject({ method: 'GET', url: '/bug' });
    expect(bug.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error', requestId: expect.any(String) });
    await app.close();
  });
});
