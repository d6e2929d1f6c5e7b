// casebook serve: live reload. Injected only by `casebook serve`, never into a built site.
// Events from /__casebook/events: `hello` (the server's build), `reload`, `css` (swap
// stylesheets in place), `errors` (show the overlay; the page keeps the last good build) and `ok`.
(() => {
  'use strict';
  const script = document.currentScript;
  let build = script ? script.dataset.build : '';
  const scrollKey = 'casebook-scroll:' + location.pathname;

  // The reader's place survives a reload: saved just before it, restored once here and again
  // when images and fonts have settled the layout.
  const saved = sessionStorage.getItem(scrollKey);
  if (saved) {
    sessionStorage.removeItem(scrollKey);
    try {
      const [x, y] = JSON.parse(saved);
      const restore = () => window.scrollTo(x, y);
      restore();
      if (document.readyState !== 'complete') addEventListener('load', restore, { once: true });
    } catch (e) { /* a stale or foreign value: ignore it */ }
  }

  function reload() {
    sessionStorage.setItem(scrollKey, JSON.stringify([scrollX, scrollY]));
    location.reload();
  }

  // Each same-origin stylesheet is replaced by a fresh copy; the old one goes once the new one
  // has loaded, so the page never shows unstyled.
  function swapStylesheets(version) {
    for (const link of document.querySelectorAll('link[rel~="stylesheet"][href]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      url.searchParams.set('casebook', version);
      const fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.addEventListener('load', () => link.remove(), { once: true });
      fresh.addEventListener('error', () => fresh.remove(), { once: true });
      link.after(fresh);
    }
  }

  // The overlay lives in a shadow root so that the site's styles neither hide nor restyle it.
  // Every text goes in through textContent: diagnostics quote the editor's input.
  let overlay = null;
  function showErrors(report) {
    hideErrors();
    overlay = document.createElement('div');
    overlay.id = 'casebook-errors';
    const root = overlay.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = `
      :host { all: initial; }
      .backdrop { position: fixed; inset: 0; z-index: 2147483647; background: rgba(20, 20, 24, .55);
        display: flex; align-items: flex-start; justify-content: center; padding: 5vh 1rem; box-sizing: border-box; }
      .panel { background: #fff; color: #1d1d1f; max-width: 60rem; width: 100%; max-height: 90vh; overflow: auto;
        border-top: 6px solid #c62828; border-radius: 6px; box-shadow: 0 10px 40px rgba(0,0,0,.35);
        font: 15px/1.5 system-ui, sans-serif; }
      header { display: flex; gap: 1rem; align-items: baseline; padding: 1rem 1.25rem .5rem; }
      h2 { margin: 0; font-size: 1.1rem; color: #c62828; flex: 1; }
      button { font: inherit; border: 1px solid #bbb; background: #f5f5f5; border-radius: 4px; cursor: pointer; }
      p { margin: 0 1.25rem .75rem; color: #555; }
      pre { margin: 0; padding: 1rem 1.25rem 1.25rem; background: #fbf7f7; border-top: 1px solid #eee;
        font: 13.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }`;
    const backdrop = document.createElement('div');
    backdrop.className = 'backdrop';
    const panel = document.createElement('section');
    panel.className = 'panel';
    panel.setAttribute('role', 'alertdialog');
    panel.setAttribute('aria-label', 'casebook build errors');
    const header = document.createElement('header');
    const title = document.createElement('h2');
    title.textContent = 'casebook: the site does not build (' + report.summary + ')';
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Hide';
    close.addEventListener('click', hideErrors);
    header.append(title, close);
    const note = document.createElement('p');
    note.textContent = 'The page shows the last version that built. Save a fix and this closes by itself.';
    const text = document.createElement('pre');
    text.textContent = report.text;
    panel.append(header, note, text);
    backdrop.append(panel);
    root.append(style, backdrop);
    document.documentElement.append(overlay);
  }
  function hideErrors() {
    if (overlay) overlay.remove();
    overlay = null;
  }
  addEventListener('keydown', (e) => { if (e.key === 'Escape') hideErrors(); });

  // Only visible pages stay connected: a browser allows few connections per server, and a page
  // hidden in a background tab catches up through `hello` when it is shown again.
  let source = null;
  function connect() {
    if (source) return;
    source = new EventSource('/__casebook/events');
    const data = (e) => JSON.parse(e.data);
    source.addEventListener('hello', (e) => { if (data(e).build !== build) reload(); });
    source.addEventListener('reload', reload);
    source.addEventListener('css', (e) => { build = data(e).build; swapStylesheets(build); });
    source.addEventListener('errors', (e) => showErrors(data(e)));
    source.addEventListener('ok', hideErrors);
  }
  function disconnect() {
    if (source) source.close();
    source = null;
  }
  document.addEventListener('visibilitychange', () => (document.hidden ? disconnect() : connect()));
  if (!document.hidden) connect();
})();
