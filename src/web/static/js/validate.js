// Checks the dashboard makes before it calls the API. The API checks again: these
// exist to say what is wrong while the user types, in words.

/** Longest environment name: it becomes a DNS label next to `<port>--`. */
export const MAX_NAME = 40;

/**
 * Why `name` is not a valid environment (or user) name, or '' when it is.
 * Same rule as the API: lowercase letters, digits and single hyphens, starting
 * with a letter, not ending with a hyphen, at most 40 characters.
 */
export function nameProblem(name) {
  if (name.length === 0) return 'Enter a name.';
  if (name.length > MAX_NAME) return `Use at most ${MAX_NAME} characters (this one has ${name.length}).`;
  if (/[A-Z]/.test(name)) return 'Use lowercase letters only.';
  if (!/^[a-z]/.test(name)) return 'Start with a letter.';
  if (/[^a-z0-9-]/.test(name)) return 'Use only lowercase letters, digits and hyphens (no spaces, dots or underscores).';
  if (name.includes('--')) return 'Use single hyphens: "--" separates the port in addresses.';
  if (name.endsWith('-')) return 'End with a letter or a digit, not a hyphen.';
  return '';
}

/**
 * The path to go to after signing in, or '/' when `next` is missing or unsafe.
 * Only paths on this same origin are followed (never `//host`, `\\host` or an absolute
 * URL), so a link cannot send a freshly signed-in browser to another site.
 */
export function safeNext(next, origin) {
  if (typeof next !== 'string' || next === '') return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  // Control characters (tabs, newlines) are stripped by URL parsers and can hide a host.
  if (/[\u0000-\u001f\u007f]/.test(next)) return '/';
  let url;
  try {
    url = new URL(next, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin) return '/';
  if (url.pathname === '/signin') return '/';
  return url.pathname + url.search + url.hash;
}
