// Pharos dashboard: an opened service, its instances a page at a time (GET /v1/services/{name}),
// and a change applied to the instance it names. Plain script, no build.
(function (P) {
  'use strict';

  var S = P.services, getJson = P.getJson, nesoiMs = P.nesoiMs;

  function pageRow() {
    var row = S.rowOf(S.state.open.name);
    if (!row) { return null; }
    var next = row.nextSibling;
    if (!next || !next.classList.contains('instances')) {
      next = document.createElement('tr');
      next.className = 'instances';
      next.setAttribute('data-instances-of', S.state.open.name);
      row.parentNode.insertBefore(next, row.nextSibling);
    }
    return next;
  }

  function renderPage() {
    var open = S.state.open;
    var row = pageRow();
    if (!row) { return; }
    var page = open.page;
    if (!page) { row.innerHTML = '<td colspan="4" class="muted">loading…</td>'; row.pharosHtml = null; return; }
    var first = open.index * S.INSTANCE_PAGE;
    var html = '<td colspan="4"><table class="instance-list"><thead><tr><th>Instance</th><th>Address</th><th>Health</th>' +
      '<th class="narrow-hide">Registered or updated</th><th></th></tr></thead><tbody>' +
      page.instances.map(function (i) { return P.instanceRow(i, S.state.maxAge); }).join('') + '</tbody></table><div class="pager">' +
      '<button data-page="prev"' + (open.index ? '' : ' disabled') + '>Previous</button> <span class="muted">' +
      (page.total ? (first + 1) + '–' + (first + page.instances.length) + ' of ' + page.total : 'none') +
      '</span> <button data-page="next"' + (page.next ? '' : ' disabled') + '>Next</button></div></td>';
    // the same page asked again (every 5 s for the checks' counters) leaves the rows, and what the user points at, alone
    if (row.pharosHtml !== html) {
      row.innerHTML = html;
      row.pharosHtml = html;
    }
  }

  function loadPage() {
    var open = S.state.open;
    if (!open) { return; }
    window.pharos.fetches.page++;
    getJson('/v1/services/' + encodeURIComponent(open.name) + '?' +
      S.query({ limit: S.INSTANCE_PAGE, after: open.cursors[open.index] })).then(function (res) {
      if (S.state.open !== open) { return; }
      open.page = res.ok ? res.body : { instances: [], total: 0, next: null };
      if (open.page.next) { open.cursors[open.index + 1] = open.page.next; }
      renderPage();
      if (open.openedAt != null) { // how long the first page took to show (the benchmark reads it)
        var from = open.openedAt;
        open.openedAt = null;
        requestAnimationFrame(function () { window.pharos.openedMs = performance.now() - from; });
      }
    }).catch(function () { });
  }

  function queuePage() {
    if (S.state.pageTimer) { return; }
    S.state.pageTimer = setTimeout(function () { S.state.pageTimer = null; loadPage(); }, S.DEBOUNCE_MS);
  }

  function toggle(name) {
    var was = S.state.open && S.state.open.name;
    if (was) {
      S.state.open = null;
      var old = S.rowOf(was);
      if (old && old.nextSibling && old.nextSibling.classList.contains('instances')) { old.parentNode.removeChild(old.nextSibling); }
      S.renderRow(was);
    }
    if (was !== name) {
      S.state.open = { name: name, cursors: [null], index: 0, page: null, openedAt: performance.now() };
      S.renderRow(name);
      renderPage();
      loadPage();
    }
  }

  // applies one change to what is shown, before anything is asked again
  function patchInstance(id, change) {
    var page = S.state.open.page;
    if (!page) { return; }
    var at = -1;
    page.instances.forEach(function (i, k) { if (i.id === id) { at = k; } });
    var type = change.type;
    if (type === 'srv-deleted' && at >= 0) {
      page.instances.splice(at, 1);
      page.total--;
    } else if (type === 'srv-updated' && change.resource) {
      var r = change.resource;
      var endpoints = r.endpoints || {};
      var first = Object.keys(endpoints)[0];
      var host = { id: id, source: 'rest', service: S.state.open.name, address: first ? endpoints[first] : '', endpoints: endpoints,
        state: 'unchecked', checked: false, updatedAt: r.updated_at, updatedMs: nesoiMs(r.updated_at), registered: true, maintenance: false };
      if (at >= 0) { page.instances[at] = host; } else if (!page.next || id < page.next) {
        page.instances.push(host);
        page.instances.sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
        page.total++;
      }
    } else if (at >= 0 && change.store !== 'etcd') {
      var i = page.instances[at];
      if (type === 'registered') { i.state = 'up'; i.registered = true; i.since = change.ts; }
      if (type === 'deregistered') { i.registered = false; }
      if (type === 'maintenance-on') { i.state = 'maintenance'; i.maintenance = true; i.since = change.ts; }
      if (type === 'maintenance-off') { i.maintenance = false; i.state = 'checking'; }
    }
    renderPage();
  }

  function turn(by) {
    S.state.open.index += by;
    loadPage();
  }

  P.page = { render: renderPage, load: loadPage, queue: queuePage, toggle: toggle, patch: patchInstance, turn: turn };
})(window.PharosUi);
