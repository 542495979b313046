// The preview's page script (client.ts adds it to the served page; build/report.html never has it).
// PREVIEW_VERSION and PREVIEW_EVENTS are given by client.ts. When the server has a new version of the
// page, the script fetches it and replaces the parts of this page that differ (the text of a section,
// a figure), keeping the scroll position; when the head differs (styles, fonts) it reloads the page
// instead, restoring the scroll position after the load. Problems show in an overlay over the last
// good render and go when fixed. Messages are set as text, never as markup.
(function (initialVersion, eventsPath) {
  let version = initialVersion;
  const scrollKey = 'preview-scroll:' + location.pathname;
  history.scrollRestoration = 'manual';
  const saved = sessionStorage.getItem(scrollKey);
  if (saved) {
    sessionStorage.removeItem(scrollKey);
    const [x, y] = JSON.parse(saved);
    scrollTo(x, y);
  }
  let overlay = null;
  function el(tag, className, css, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    node.style.cssText = css;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function show(problems) {
    if (overlay) overlay.remove();
    overlay = null;
    if (problems.length === 0) return;
    overlay = el('aside', '', 'position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;margin:0;' +
      'padding:1rem 1.25rem;background:#2b0b0b;color:#fde8e8;font:14px/1.45 ui-monospace,monospace;border-top:3px solid #e5484d');
    overlay.id = 'preview-overlay';
    overlay.setAttribute('role', 'alert');
    const count = problems.length === 1 ? '1 problem' : problems.length + ' problems';
    overlay.append(el('p', '', 'margin:0 0 .5rem;font-weight:bold', 'The report does not render (' + count + '); the last good render is shown underneath.'));
    for (const p of problems) {
      const item = el('div', 'preview-problem', 'margin:.5rem 0');
      const where = p.where ? p.where.file + ':' + p.where.line + ':' + p.where.column : '(no location)';
      item.append(el('code', 'preview-where', 'color:#ffb4b4', where), el('span', 'preview-message', '', ' ' + p.message));
      if (p.suggestion) item.append(el('div', 'preview-suggestion', 'color:#c8f7c5', 'Suggestion: ' + p.suggestion));
      overlay.append(item);
    }
    document.body.append(overlay);
  }
  // Once the page has asked to reload, later events (a render that lands while the navigation is under
  // way, or a fetch it aborts) must not ask again: a second reload would load the page twice.
  let leaving = false;
  function reload() {
    if (leaving) return;
    leaving = true;
    sessionStorage.setItem(scrollKey, JSON.stringify([scrollX, scrollY]));
    location.reload();
  }
  // The page's own elements: neither this script nor the overlay.
  const own = (node) => node.nodeType !== 1 || !(node.hasAttribute('data-preview-client') || node.id === 'preview-overlay');
  // Replaces what differs between `current` and `next`, descending through elements that keep their tag
  // and number of children, so an edit of one paragraph replaces that paragraph only.
  function patch(current, next, depth) {
    const a = [...current.childNodes].filter(own);
    const b = [...next.childNodes].filter(own);
    if (a.length !== b.length || depth > 4) {
      const keep = [...current.childNodes].filter((n) => !own(n));
      current.replaceChildren(...b.map((n) => document.importNode(n, true)), ...keep);
      return;
    }
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [a[i], b[i]];
      if (x.nodeType === 1 && y.nodeType === 1 && x.tagName === y.tagName) {
        if (x.outerHTML === y.outerHTML) continue;
        const sameAttributes = x.attributes.length === y.attributes.length && [...y.attributes].every((t) => x.getAttribute(t.name) === t.value);
        if (sameAttributes && x.tagName !== 'SCRIPT') patch(x, y, depth + 1);
        else x.replaceWith(document.importNode(y, true));
      } else if (x.nodeType !== y.nodeType || x.nodeType !== 1) {
        if (x.nodeType === y.nodeType && x.nodeValue === y.nodeValue) continue;
        x.replaceWith(document.importNode(y, true));
      } else x.replaceWith(document.importNode(y, true));
    }
  }
  let updating = Promise.resolve();
  async function update(wanted) {
    try {
      const response = await fetch(location.pathname, { cache: 'no-store' });
      const next = new DOMParser().parseFromString(await response.text(), 'text/html');
      const nextVersion = next.querySelector('script[data-preview-client]')?.getAttribute('data-version');
      if (next.head.innerHTML !== document.head.innerHTML || !nextVersion) return reload();
      const [x, y] = [scrollX, scrollY];
      patch(document.body, next.body, 0);
      scrollTo(x, y);
      version = nextVersion;
      dispatchEvent(new CustomEvent('preview:updated', { detail: { version, wanted } }));
    } catch {
      reload();
    }
  }
  const events = new EventSource(eventsPath);
  events.addEventListener('state', (event) => {
    const state = JSON.parse(event.data);
    updating = updating.then(async () => {
      if (leaving) return;
      if (state.version !== version) await update(state.version);
      show(state.problems);
    });
  });
})(PREVIEW_VERSION, PREVIEW_EVENTS);
