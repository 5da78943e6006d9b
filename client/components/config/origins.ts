/**
 * Which parents besides Chaster may press "save" on the configuration page: on a developer's
 * machine (the page itself served from loopback, as `npm start` and the tests serve it), a parent
 * page on any loopback port may, so a local harness can play Chaster's part. A page served from a
 * real host takes save messages from Chaster only.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether `url` (an origin or a page's URL) is http(s) on this machine's loopback. */
export function isLoopback(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return (protocol === 'http:' || protocol === 'https:') && LOOPBACK_HOSTS.has(hostname);
  } catch {
    return false;
  }
}

/** The `allowOrigin` test of this page: a loopback parent, only when the page is on loopback. */
export function allowDevelopmentParent(origin: string): boolean {
  return isLoopback(window.location.href) && isLoopback(origin);
}
