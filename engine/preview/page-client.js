// The preview's page script (client.ts adds it to the served page; build/report.html never has it).
// PREVIEW_VERSION and PREVIEW_EVENTS are given by client.ts. A new version reloads the page, keeping
// the scroll position; problems show in an overlay over the last good render and go when fixed.
// Messages are set as text, never as markup.
(function (version, eventsPath) {
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
  const events = new EventSource(eventsPath);
  events.addEventListener('state', (event) => {
    const state = JSON.parse(event.data);
    if (state.version !== version) {
      sessionStorage.setItem(scrollKey, JSON.stringify([scrollX, scrollY]));
      events.close();
      location.reload();
      return;
    }
    show(state.problems);
  });
})(PREVIEW_VERSION, PREVIEW_EVENTS);
