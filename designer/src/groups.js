// Departments and windows (GET /groups): the UI shows their titles, the stored values stay the codes.
import { useEffect, useState } from 'react';
import { get } from './api.js';

let pending = null;

/** The groups, fetched once per page load (every signed-in user may read them). */
export function loadGroups() {
  if (!pending) pending = get('/groups').catch(() => { pending = null; return []; });
  return pending;
}

/** A function from a group code to its title (the code itself when the group is unknown). */
export function useGroupTitle() {
  const [titles, setTitles] = useState({});
  useEffect(() => {
    let live = true;
    loadGroups().then((groups) => {
      if (live) setTitles(Object.fromEntries(groups.map((g) => [g.name, g.title || g.name])));
    });
    return () => { live = false; };
  }, []);
  return (name) => (name ? titles[name] || name : name);
}
