import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StringDecoder } from 'node:string_decoder';

const CHUNK = 64 * 1024;

/**
 * The last `count` lines of a file, reading backwards from the end in chunks so a
 * large log costs only what is shown. `from` ignores everything before that byte
 * offset (the output of earlier starts). A missing file has no lines.
 */
export async function tailLines(path: string, count: number, from = 0): Promise<string[]> {
  if (count <= 0) return [];
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    let end = size;
    let newlines = 0;
    const chunks: Buffer[] = [];
    // Stop once we hold count+1 line breaks (the extra one bounds the first line) or reach `from`.
    // Bytes are decoded once at the end so a character split across chunks stays whole.
    while (end > from && newlines <= count) {
      const start = Math.max(from, end - CHUNK);
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      chunks.unshift(buf);
      newlines += countNewlines(buf);
      end = start;
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
}

/**
 * Yields the last `tail` lines of a file, then, with `follow`, every new complete line
 * as it is appended, until `signal` aborts. Polls the size (fs.watch misses appends on
 * some file systems and needs one watcher per reader); 100 ms is quick enough for a human.
 */
export async function* readLog(
  path: string,
  opts: { tail: number; follow: boolean; signal?: AbortSignal; pollMs?: number },
): AsyncGenerator<string> {
  const { signal } = opts;
  let offset = await sizeOf(path);
  for (const line of await tailLines(path, opts.tail)) yield line;
  if (!opts.follow) return;
  let partial = '';
  // Keeps the bytes of a character split across two reads until the rest arrives.
  let decoder = new StringDecoder('utf8');
  while (!signal?.aborted) {
    try {
      await sleep(opts.pollMs ?? 100, undefined, { signal });
    } catch {
      return;
    }
    const size = await sizeOf(path);
    if (size < offset) {
      // Truncated or replaced (destroy, rotation): read the new file from its start.
      offset = 0;
      partial = '';
      decoder = new StringDecoder('utf8');
    }
    if (size === offset) continue;
    const chunk = await readRange(path, offset, size);
    offset += chunk.length;
    const text = decoder.write(chunk);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (signal?.aborted) return;
      yield line;
    }
  }
}

/** Size of a file, 0 when it does not exist. */
export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return Buffer.alloc(0); // removed since we read its size
  }
  try {
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
