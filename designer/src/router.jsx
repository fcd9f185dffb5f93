// A small history router under /ui/: pages change without reloads.
import { useEffect, useState } from 'react';

export const BASE = '/ui';

export function navigate(path, { replace = false } = {}) {
  const url = path.startsWith(BASE) ? path : BASE + path;
  if (replace) window.history.replaceState({}, '', url);
  else window.history.pushState({}, '', url);
  window.dispatchEvent(new Event('yw:navigate'));
}

export function usePath() {
  const read = () => window.location.pathname.replace(/^\/ui/, '') || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const update = () => setPath(read());
    window.addEventListener('popstate', update);
    window.addEventListener('yw:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('yw:navigate', update);
    };
  }, []);
  return path;
}

/** match('/workbench/:id', '/workbench/42') -> {id: '42'} or null */
export function match(pattern, path) {
  const names = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => (names.push(n), '([^/]+)')).replace(/\/\?$/, '/?') + '/?$');
  const m = re.exec(path);
  if (!m) return null;
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
}

export function Link({ to, children, ...rest }) {
  return (
    <a href={BASE + to} onClick={(e) => { if (!e.ctrlKey && !e.metaKey) { e.preventDefault(); navigate(to); } }} {...rest}>
      {children}
    </a>
  );
}
