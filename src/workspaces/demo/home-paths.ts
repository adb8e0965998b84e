import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** An HTTP error with a status and a plain-text message for the user. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Turns the URL path after a route prefix (`a/b%20c/d.txt`) into an absolute path
 * inside `root`, or throws 403 when it would leave it: through `..`, an encoded
 * slash, or a symbolic link that points outside. `root` must already be a real path.
 */
export async function resolveInHome(root: string, urlPath: string): Promise<string> {
  const segments: string[] = [];
  for (const raw of urlPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, `"${raw}" is not a valid URL-encoded name`);
    }
    if (segment.includes('\0')) throw new HttpError(400, 'names cannot contain NUL');
    segments.push(segment);
  }
  const target = resolve(root, ...segments);
  if (!isInside(root, target)) throw new HttpError(403, 'that path is outside the home folder');
  // Follow symbolic links: the real location must be inside too. For a path that does
  // not exist yet (an upload), check the nearest folder that does.
  let probe = target;
  for (;;) {
    try {
      const real = await realpath(probe);
      if (!isInside(root, real)) throw new HttpError(403, 'that path leads outside the home folder');
      return target;
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if (probe === root) return target;
      probe = dirname(probe);
    }
  }
}

/** The path of `target` relative to `root`, with `/` separators ('' for the root itself). */
export function relativeToHome(root: string, target: string): string {
  return relative(root, target).split(sep).join('/');
}

/** Whether a name is one plain file or folder name (no separators, not `.` or `..`). */
export function isPlainName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
