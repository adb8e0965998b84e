import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { startHarness, type Harness } from './harness.js';

let h: Harness;

before(async () => {
  h = await startHarness();
  await h.addEnv('demo', 'alice', 'running');
});
after(() => h.close());

const MiB = 1024 * 1024;

/** Samples arrayBuffers (where Buffer memory lives) while `fn` runs; returns the peak growth over the start. */
async function peakBufferGrowth(fn: () => Promise<void>): Promise<number> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 5);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  return peak - base;
}

describe('streaming', () => {
  test('a 50 MiB download streams through with flat memory, even to a slow reader', async () => {
    let received = 0;
    let writtenDuringStall = 0;
    let stallGrowth = 0;
    const growth = await peakBufferGrowth(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port: h.proxy.port, path: '/big?mb=50', headers: { host: `4000--demo.localhost:${h.proxy.port}` }, agent: false },
            (res) => {
              assert.equal(res.statusCode, 200);
              assert.equal(res.headers['content-length'], String(50 * MiB));
              // Stall first: without back-pressure the proxy would read the whole body into memory now.
              res.pause();
              const base = process.memoryUsage().arrayBuffers;
              setTimeout(() => {
                writtenDuringStall = h.upstream.bigWritten();
                stallGrowth = process.memoryUsage().arrayBuffers - base;
                res.on('data', (c: Buffer) => (received += c.length));
                res.resume();
              }, 400);
              res.on('end', resolve);
              res.on('error', reject);
            },
          );
          req.on('error', reject);
          req.end();
        }),
    );
    assert.equal(received, 50 * MiB);
    // While the reader stalls, back-pressure must stop the upstream: only socket buffers fill.
    assert.ok(writtenDuringStall < 20 * MiB, `the upstream wrote ${(writtenDuringStall / MiB).toFixed(1)} MiB while the reader stalled`);
    assert.ok(stallGrowth < 8 * MiB, `Buffer memory grew by ${(stallGrowth / MiB).toFixed(1)} MiB while the reader stalled`);
    // Over the whole download, garbage not yet collected adds up, but a buffered body would show far more.
    assert.ok(growth < 48 * MiB, `Buffer memory grew by ${(growth / MiB).toFixed(1)} MiB`);
  });

  test('uploads stream to the upstream, with or without Content-Length', async () => {
    for (const withLength of [true, false]) {
      const total = 20 * MiB;
      const chunk = Buffer.alloc(256 * 1024, 7);
      const body = Readable.from((function* () {
        for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
      })());
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: h.proxy.port,
            method: 'POST',
            path: '/upload',
            headers: { host: `4000--demo.localhost:${h.proxy.port}`, ...(withLength ? { 'content-length': String(total) } : {}) },
            agent: false,
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', reject);
        body.pipe(req);
      });
      assert.equal(reply.status, 200);
      const seen = JSON.parse(reply.body) as { bodyBytes: number; headers: Record<string, string> };
      assert.equal(seen.bodyBytes, total, `withLength=${withLength}`);
      if (withLength) assert.equal(seen.headers['content-length'], String(total));
      else assert.equal(seen.headers['transfer-encoding'], 'chunked');
    }
  });

  test('a HEAD request gets headers and no body', async () => {
    const res = await new Promise<{ status: number; len: string | undefined; bytes: number }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: h.proxy.port, method: 'HEAD', path: '/big?mb=1', headers: { host: `4000--demo.localhost:${h.proxy.port}` }, agent: false }, (r) => {
        let bytes = 0;
        r.on('data', (c: Buffer) => (bytes += c.length));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, len: r.headers['content-length'], bytes }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 200);
    assert.equal(res.bytes, 0);
  });
});
