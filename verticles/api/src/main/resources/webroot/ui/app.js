// Pharos dashboard: plain script, no build. Reads the node's own /v1 API and follows
// /v1/changes. The list is one summary row per service (GET /v1/services, paged); a row opens
// into that service's instances (GET /v1/services/{name}, paged). A change is applied to what is
// shown as it arrives; then, debounced, only the summaries of the services it touched and the
// opened service's visible page are asked again, never the whole list. Everything from the API
// is escaped before it is put in the page.
(function () {
  'use strict';

  var DEBOUNCE_MS = 200;       // coalesces bursts of changes into one request per kind
  var SLOW_REFRESH_MS = 5000;  // definitions, descriptors, serf, health, the opened page's check counters
  var LIST_PAGE = 100;         // summaries per request
  var INSTANCE_PAGE = 50;      // instances per page of an opened service
  var MAX_CHANGES = 200;
  var BACKLOG = 50;            // recent changes the Changes panel opens with
  var params = new URLSearchParams(location.search);
  // the whole list is asked again every this many seconds (0: never), for what moves without a
  // change event (a checked instance going from checking to down)
  var LIST_REFRESH_S = params.has('refresh') ? Number(params.get('refresh')) : 30;

  var state = {
    order: [], summaries: {}, next: null, totals: null,
    filter: '', stateFilter: '', maxAge: null,
    open: null,            // { name, cursors: [after of each page], index, page }
    dirty: {}, summaryTimer: null, pageTimer: null
  };
  // when each instance or host was first shown as changed in the page (the benchmark reads it)
  var firstSeen = {};
  // how long each render of the list, and each change applied to it, took, in ms (the last 1,000)
  var renderMs = [];
  window.pharos = { firstSeen: firstSeen, renders: 0, renderMs: renderMs, firstRowsAt: null,
    fetches: { list: 0, summaries: 0, page: 0 } };

  function $(id) { return document.getElementById(id); }

  function esc(value) {
    return String(value == null ? '' : value).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function getJson(path) {
    return fetch(path, { headers: { 'Accept': 'application/json' } }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    });
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  // one format for every time in the page: local 2026-12-01 06:05:22, the source in UTC as its tooltip
  function when(ms, source) {
    if (ms == null) { return ''; }
    var d = new Date(ms);
    var local = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
    return '<time datetime="' + esc(d.toISOString()) + '" title="' + esc(source || d.toISOString().replace('T', ' ').replace('Z', ' UTC')) +
      '">' + local + '</time>';
  }

  function ago(ms) {
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return s < 120 ? s + ' s ago' : s < 7200 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
  }

  // Nesoi's updated_at: "2026-12-01 06:05:22.662817", UTC
  function nesoiMs(text) {
    var m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(text || '');
    return m ? Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6], Math.floor(Number('0.' + (m[7] || '0')) * 1000)) : null;
  }

  function query(extra) {
    var q = new URLSearchParams();
    if (state.filter) { q.set('q', state.filter); }
    if (state.stateFilter) { q.set('state', state.stateFilter); }
    if (state.maxAge) { q.set('max_age', state.maxAge); }
    Object.keys(extra || {}).forEach(function (k) {
      [].concat(extra[k]).forEach(function (v) { if (v != null) { q.append(k, v); } });
    });
    return q.toString();
  }

  // ---- the service list: one summary row per service ----------------------------------------

  var STATE_ORDER = ['up', 'down', 'checking', 'maintenance', 'unchecked', 'stale'];
  var STATE_NAME = { unchecked: 'no check' };

  function statesHtml(states) {
    return STATE_ORDER.filter(function (s) { return states && states[s]; }).map(function (s) {
      return '<span class="badge ' + s + '" data-count-state="' + s + '">' + esc(states[s]) + ' ' + esc(STATE_NAME[s] || s) + '</span>';
    }).join(' ');
  }

  function summaryCells(s) {
    var sources = Object.keys(s.sources || {}).map(function (k) { return esc(k) + ' ' + esc(s.sources[k]); }).join(' · ');
    var open = state.open && state.open.name === s.name;
    return '<td><button class="toggle" aria-expanded="' + open + '" title="show its instances">' + (open ? '▾' : '▸') + '</button> ' +
      '<span class="name">' + esc(s.name) + '</span>' +
      (s.envs && s.envs.length ? '<div class="source">' + s.envs.map(esc).join(' · ') + '</div>' : '') + '</td>' +
      '<td><span class="count">' + (s.count == null ? '…' : esc(s.count)) + '</span> ' + statesHtml(s.states) + '</td>' +
      '<td class="narrow-hide source">' + sources + '</td>' +
      '<td>' + when(s.lastChange) + '</td>';
  }

  function table() {
    var container = $('services');
    var body = container.querySelector('tbody.summaries');
    if (!body) {
      container.innerHTML = '<table class="service-list"><thead><tr><th>Service</th><th>Instances</th>' +
        '<th class="narrow-hide">Sources</th><th>Last change</th></tr></thead><tbody class="summaries"></tbody></table>' +
        '<p class="muted empty hidden"></p>';
      body = container.querySelector('tbody.summaries');
    }
    return body;
  }

  function rowOf(name) {
    var rows = table().children;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute('data-service') === name) { return rows[i]; }
    }
    return null;
  }

  // puts one service's row where its name sorts, or replaces its cells: nothing else is touched
  function renderRow(name) {
    var s = state.summaries[name];
    var row = rowOf(name);
    if (!s) {
      if (row) {
        if (row.nextSibling && row.nextSibling.classList.contains('instances')) { row.parentNode.removeChild(row.nextSibling); }
        row.parentNode.removeChild(row);
      }
      return;
    }
    if (!row) {
      row = document.createElement('tr');
      row.className = 'service';
      row.setAttribute('data-service', name);
      var body = table();
      var before = null;
      for (var i = 0; i < body.children.length; i++) {
        var other = body.children[i].getAttribute('data-service');
        if (other && other > name) { before = body.children[i]; break; }
      }
      body.insertBefore(row, before);
    }
    row.setAttribute('data-count', s.count == null ? '' : s.count);
    row.innerHTML = summaryCells(s);
  }

  function renderList() {
    var started = performance.now();
    var body = table();
    body.innerHTML = '';
    state.order.forEach(function (name) { renderRow(name); });
    if (state.open && state.summaries[state.open.name]) { renderPage(); }
    $('more-services').classList.toggle('hidden', !state.next);
    renderCounts();
    window.pharos.renders++;
    renderMs.push(performance.now() - started);
    if (renderMs.length > 1000) { renderMs.shift(); }
    if (window.pharos.firstRowsAt == null && state.order.length) {
      requestAnimationFrame(function () { window.pharos.firstRowsAt = performance.now(); });
    }
  }

  function renderCounts() {
    var empty = $('services').querySelector('p.empty');
    if (empty) {
      empty.textContent = state.order.length ? '' : (state.filter || state.stateFilter ? 'nothing matches' : 'no services yet');
      empty.classList.toggle('hidden', state.order.length > 0);
    }
    var t = state.totals;
    if (!t) { return; }
    $('counts').textContent = t.total + ' services, ' + t.instances + ' instances' +
      (t.states && t.states.up ? ', ' + t.states.up + ' up' : '') + (state.order.length < t.total ? ' (' + state.order.length + ' listed)' : '');
  }

  function loadList(append) {
    var limit = append ? LIST_PAGE : Math.max(LIST_PAGE, Math.min(1000, state.order.length));
    window.pharos.fetches.list++;
    return getJson('/v1/services?' + query({ limit: limit, after: append ? state.next : null })).then(function (res) {
      if (!res.ok) {
        $('services').innerHTML = '<p class="down">' + esc(res.body.error || ('HTTP ' + res.status)) + '</p>';
        return;
      }
      if (!append) { state.order = []; state.summaries = {}; }
      (res.body.services || []).forEach(function (s) { state.order.push(s.name); state.summaries[s.name] = s; });
      state.next = res.body.next;
      state.totals = { total: res.body.total, instances: res.body.instances, states: res.body.states };
      $('warnings').textContent = (res.body.warnings || []).join('; ');
      renderList();
    }).catch(function (err) { $('services').innerHTML = '<p class="down">' + esc(err) + '</p>'; });
  }

  // whether a service not listed yet belongs in what is loaded (before the next page's cursor)
  function inLoadedRange(name) {
    return (!state.next || name <= state.next) && (!state.filter || name.toLowerCase().indexOf(state.filter) >= 0);
  }

  function queueSummary(name) {
    state.dirty[name] = true;
    if (state.summaryTimer) { return; }
    state.summaryTimer = setTimeout(refreshSummaries, DEBOUNCE_MS);
  }

  // asks again for the summaries of the services that changed, in one request
  function refreshSummaries() {
    state.summaryTimer = null;
    var names = Object.keys(state.dirty).filter(function (n) { return state.summaries[n] || inLoadedRange(n); });
    state.dirty = {};
    if (!names.length) { return; }
    window.pharos.fetches.summaries++;
    getJson('/v1/services?' + query({ app: names, limit: Math.min(1000, names.length) })).then(function (res) {
      if (!res.ok) { return; }
      var got = {};
      (res.body.services || []).forEach(function (s) { got[s.name] = s; });
      names.forEach(function (name) {
        var before = state.summaries[name];
        var after = got[name];
        if (state.totals) {
          state.totals.instances += ((after && after.count) || 0) - ((before && before.count) || 0);
          // a row the page made from a change alone (count unknown) was not in the totals
          state.totals.total += (after ? 1 : 0) - (before && before.count != null ? 1 : 0);
          STATE_ORDER.forEach(function (st) {
            var d = ((after && after.states[st]) || 0) - ((before && before.states && before.states[st]) || 0);
            if (d) { state.totals.states = state.totals.states || {}; state.totals.states[st] = (state.totals.states[st] || 0) + d; }
          });
        }
        if (after) {
          if (!before) { state.order.push(name); state.order.sort(); }
          state.summaries[name] = after;
        } else if (before) {
          delete state.summaries[name];
          state.order = state.order.filter(function (n) { return n !== name; });
          if (state.open && state.open.name === name) { state.open = null; }
        }
        renderRow(name);
      });
      renderCounts();
    }).catch(function () { /* the next change or the list's refresh tries again */ });
  }

  // ---- an opened service: its instances, a page at a time -----------------------------------

  function checksHtml(instance) {
    if (!instance.checks || !instance.checks.length) { return ''; }
    return instance.checks.map(function (c) {
      var last = c.last ? (c.last.passed ? 'passed' : 'failed') + ': ' + esc(c.last.detail) + ' (' + Math.round(c.last.micros / 1000) + ' ms)' : 'not run yet';
      return '<div class="check" data-check="' + esc(c.type) + '">' + esc(c.type) + (c.uri ? ' ' + esc(c.uri) : '') +
        ' · ' + last + ' · ' + (c.failuresInARow ? esc(c.failuresInARow) + ' failed' : esc(c.passesInARow) + ' passed') +
        ' in a row (rise ' + esc(c.rise) + ', fall ' + esc(c.fall) + ')</div>';
    }).join('');
  }

  // what is known of a host nothing checks: when it was last written, against the chosen max_age
  function freshnessHtml(i) {
    if (i.updatedMs == null) { return '<span class="freshness stale" data-fresh="unknown">never updated</span>'; }
    var stale = state.maxAge && Date.now() - i.updatedMs > state.maxAge * 1000;
    return '<span class="freshness ' + (stale ? 'stale' : 'muted') + '" data-updated="' + esc(i.updatedMs) + '" data-fresh="' +
      (stale ? 'stale' : 'fresh') + '">' + (stale ? 'stale: ' : '') + 'updated ' + ago(i.updatedMs) + '</span>';
  }

  function instanceRow(i) {
    var where = i.source === 'docker' ? esc(i.host) + ':' + esc(i.port) : esc(i.address);
    var action = '';
    if (i.source === 'docker') {
      action = i.maintenance
        ? '<button data-action="maintenance-off" data-id="' + esc(i.id) + '">Take out of maintenance</button>'
        : '<button data-action="maintenance-on" data-id="' + esc(i.id) + '">Maintenance</button>';
    }
    var health = i.checked === false
      ? '<span class="badge unchecked" title="nothing checks this host">no check</span> ' + (i.source === 'rest' ? freshnessHtml(i) : '')
      : '<span class="badge ' + esc(i.state) + '">' + esc(i.state) + '</span>' +
        (i.reason ? ' <span class="muted">' + esc(i.reason) + '</span>' : '') + checksHtml(i);
    var time = i.source === 'rest' ? when(i.updatedMs, i.updatedAt ? i.updatedAt + ' UTC' : null)
      : i.since ? (i.maintenance ? 'drained ' : 'since ') + when(i.since) : '';
    return '<tr data-instance-id="' + esc(i.id) + '" data-state="' + esc(i.state) + '" data-source="' + esc(i.source) + '">' +
      '<td><div>' + esc(i.id) + '</div><div class="source">' + esc(i.source) + (i.env ? ' · ' + esc(i.env) : '') +
      // who owns it in the cluster: the node whose checker checks it and whose registrar holds it
      (i.checker ? ' · checked on ' + esc(i.checker) : '') + (i.registrar ? ' · registered by ' + esc(i.registrar) : '') +
      '</div></td><td>' + where + '</td><td>' + health + '</td><td class="narrow-hide">' + time + '</td><td>' + action + '</td></tr>';
  }

  function pageRow() {
    var row = rowOf(state.open.name);
    if (!row) { return null; }
    var next = row.nextSibling;
    if (!next || !next.classList.contains('instances')) {
      next = document.createElement('tr');
      next.className = 'instances';
      next.setAttribute('data-instances-of', state.open.name);
      row.parentNode.insertBefore(next, row.nextSibling);
    }
    return next;
  }

  function renderPage() {
    var open = state.open;
    var row = pageRow();
    if (!row) { return; }
    var page = open.page;
    if (!page) { row.innerHTML = '<td colspan="4" class="muted">loading…</td>'; return; }
    var first = open.index * INSTANCE_PAGE;
    row.innerHTML = '<td colspan="4"><table class="instance-list"><thead><tr><th>Instance</th><th>Address</th><th>Health</th>' +
      '<th class="narrow-hide">Registered or updated</th><th></th></tr></thead><tbody>' +
      page.instances.map(instanceRow).join('') + '</tbody></table><div class="pager">' +
      '<button data-page="prev"' + (open.index ? '' : ' disabled') + '>Previous</button> <span class="muted">' +
      (page.total ? (first + 1) + '–' + (first + page.instances.length) + ' of ' + page.total : 'none') +
      '</span> <button data-page="next"' + (page.next ? '' : ' disabled') + '>Next</button></div></td>';
  }

  function loadPage() {
    var open = state.open;
    if (!open) { return; }
    window.pharos.fetches.page++;
    getJson('/v1/services/' + encodeURIComponent(open.name) + '?' +
      query({ limit: INSTANCE_PAGE, after: open.cursors[open.index] })).then(function (res) {
      if (state.open !== open) { return; }
      open.page = res.ok ? res.body : { instances: [], total: 0, next: null };
      if (open.page.next) { open.cursors[open.index + 1] = open.page.next; }
      renderPage();
    }).catch(function () { });
  }

  function queuePage() {
    if (state.pageTimer) { return; }
    state.pageTimer = setTimeout(function () { state.pageTimer = null; loadPage(); }, DEBOUNCE_MS);
  }

  function toggle(name) {
    var was = state.open && state.open.name;
    if (was) {
      state.open = null;
      var old = rowOf(was);
      if (old && old.nextSibling && old.nextSibling.classList.contains('instances')) { old.parentNode.removeChild(old.nextSibling); }
      renderRow(was);
    }
    if (was !== name) {
      state.open = { name: name, cursors: [null], index: 0, page: null };
      renderRow(name);
      renderPage();
      loadPage();
    }
  }

  // applies one change to what is shown, before anything is asked again
  function patchInstance(id, change) {
    var page = state.open.page;
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
      var host = { id: id, source: 'rest', service: state.open.name, address: first ? endpoints[first] : '', endpoints: endpoints,
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

  // the service and instance a change is about: Nesoi's /srv/{service}/{host}, or the registrar's instance
  function subjectOf(change) {
    if (change.instance && change.instance.app) { return { service: change.instance.app, id: change.instance.id }; }
    var m = /^\/srv\/([^/]+)\/([^/]+)$/.exec(change.uri || '');
    return m ? { service: decodeURIComponent(m[1]), id: decodeURIComponent(m[2]) } : null;
  }

  function apply(change) {
    var subject = subjectOf(change);
    if (!subject) { return; }
    var started = performance.now();
    var name = subject.service;
    var s = state.summaries[name];
    var ts = change.ts || Date.now();
    if (!s && inLoadedRange(name) && !/deleted|deregistered/.test(change.type || '')) {
      s = state.summaries[name] = { name: name, count: null, states: {}, sources: {}, envs: [], lastChange: ts };
      state.order.push(name);
      state.order.sort();
    }
    if (s) {
      s.lastChange = Math.max(s.lastChange || 0, ts);
      renderRow(name);
      renderCounts();
      var row = rowOf(name);
      if (row) { row.classList.remove('changed'); void row.offsetWidth; row.classList.add('changed'); }
    }
    queueSummary(name);
    if (state.open && state.open.name === name) { patchInstance(subject.id, change); queuePage(); }
    renderMs.push(performance.now() - started);
    if (renderMs.length > 1000) { renderMs.shift(); }
    if (!(subject.id in firstSeen) || firstSeen[subject.id] == null) {
      firstSeen[subject.id] = null;
      requestAnimationFrame(function () { firstSeen[subject.id] = Date.now(); });
    }
  }

  // the "n s ago" of the visible hosts, from the times already in the page
  function tickFreshness() {
    if (!state.open || !state.open.page) { return; }
    var spans = $('services').querySelectorAll('.freshness[data-updated]');
    spans.forEach(function (span) {
      var i = { updatedMs: Number(span.getAttribute('data-updated')) };
      span.outerHTML = freshnessHtml(i);
    });
  }

  function setMaintenance(id, on, button) {
    button.disabled = true;
    var headers = { 'Content-Type': 'application/json' };
    var token = $('token').value || localStorage.getItem('pharos.token');
    if (token) { headers.Authorization = 'Bearer ' + token; }
    fetch('/v1/instances/' + encodeURIComponent(id) + '/maintenance', {
      method: on ? 'PUT' : 'DELETE', headers: headers,
      body: on ? JSON.stringify({ reason: 'from the dashboard' }) : undefined
    }).then(function (r) {
      if (!r.ok) {
        return r.json().then(function (b) { alert('Maintenance of ' + id + ' refused: ' + (b.error || r.status)); });
      }
    }).catch(function (err) { alert(err); }).then(function () {
      button.disabled = false;
      if (state.open) { queueSummary(state.open.name); queuePage(); }
    });
  }

  // ---- the rest of the page ------------------------------------------------------------------

  function refreshDefinitions() {
    getJson('/v1/definitions').then(function (res) {
      if (!res.ok) { return; }
      $('malformed').innerHTML = (res.body.malformed || []).map(function (m) {
        return '<li data-path="' + esc(m.path) + '"><strong>' + esc(m.path) + '</strong>: ' + esc(m.reason) + '</li>';
      }).join('');
      $('definitions').innerHTML = (res.body.definitions || []).map(function (d) {
        var checks = (d.checks || []).map(function (c) { return esc(c.type); }).join(', ');
        return '<li data-definition="' + esc(d.path) + '">' + esc(d.env) + '/' + esc(d.app) +
          ' <span class="muted">' + checks + ' every ' + esc(d.checkIntervalMs) + ' ms</span></li>';
      }).join('') || '<li class="muted">none</li>';
    }).catch(function () { /* the next round tries again */ });
  }

  function refreshDescriptors() {
    getJson('/v1/descriptors').then(function (res) {
      if (!res.ok || !res.body.descriptors) { return; }
      $('descriptors').innerHTML = res.body.descriptors.length ? '<table><thead><tr><th>Descriptor</th><th>Listener</th><th>Endpoints</th></tr></thead><tbody>' +
        res.body.descriptors.map(function (d) {
          var endpoints = (d.endpoints || []).map(function (e) { return esc(e.address); }).join('<br>') || '<span class="down">none</span>';
          return '<tr><td>' + esc(d.spec || d.name) + '</td><td>' + esc(d.listener) + '</td><td>' + endpoints + '</td></tr>';
        }).join('') + '</tbody></table>' : '<p class="muted">no descriptors</p>';
    }).catch(function () { });
  }

  function refreshSerf() {
    getJson('/v1/serf/members').then(function (res) {
      if (!res.ok) { return; }
      $('serf').innerHTML = '<table><thead><tr><th>Member</th><th>Address</th><th>Role</th><th>Status</th></tr></thead><tbody>' +
        (res.body.members || []).map(function (m) {
          return '<tr data-member="' + esc(m.name) + '"><td>' + esc(m.name) + '</td><td>' + esc(m.addr) + ':' + esc(m.port) + '</td><td>' +
            esc((m.tags || {}).role) + '</td><td class="' + (m.status === 'alive' ? 'up' : 'down') + '">' + esc(m.status) + '</td></tr>';
        }).join('') + '</tbody></table>';
    }).catch(function () { });
  }

  function refreshHealth() {
    getJson('/v1/health').then(function (res) {
      var badge = $('health');
      badge.textContent = res.body.status + (res.body.problems ? ' · ' + res.body.problems + ' problems' : '');
      badge.className = 'badge ' + (res.body.status === 'UP' ? 'up' : 'down');
    }).catch(function () { $('health').textContent = 'unreachable'; $('health').className = 'badge down'; });
  }

  function slowRound() {
    refreshDefinitions();
    refreshDescriptors();
    refreshSerf();
    refreshHealth();
  }

  // ---- the change stream ---------------------------------------------------------------------

  function describe(change) {
    var what = change.type || change.event || 'change';
    var subject = change.uri || change.path || (change.instance && change.instance.id) || '';
    return what + ' ' + subject + (change.store ? ' (' + change.store + ')' : '');
  }

  function follow() {
    // opens with the recent backlog; a reconnect resumes from Last-Event-ID, which the server prefers
    var source = new EventSource('/v1/changes?backlog=' + BACKLOG);
    source.onopen = function () { $('live').textContent = 'live'; $('live').className = 'badge up'; };
    source.onerror = function () { $('live').textContent = 'reconnecting'; $('live').className = 'badge off'; };
    source.onmessage = function (e) { received(e.data); };
    // named events arrive on their own listeners
    ['registered', 'deregistered', 'maintenance-on', 'maintenance-off', 'app-updated', 'app-deleted', 'srv-updated', 'srv-deleted']
      .forEach(function (name) { source.addEventListener(name, function (e) { received(e.data); }); });
    // behind the backlog: what was missed is unknown, so the list is asked again
    source.addEventListener('reset', function () { loadList(false); });
  }

  function received(data) {
    var change;
    try { change = JSON.parse(data); } catch (e) { return; }
    var list = $('changes');
    var item = document.createElement('li');
    item.innerHTML = when(change.ts || Date.now()) + ' ' + esc(describe(change));
    item.setAttribute('data-type', change.type || '');
    list.insertBefore(item, list.firstChild);
    while (list.children.length > MAX_CHANGES) { list.removeChild(list.lastChild); }
    apply(change);
    if (/definition/.test(change.type || '')) { refreshDefinitions(); }
  }

  // ---- wiring ----------------------------------------------------------------------------------

  var searchTimer = null;
  $('search').addEventListener('input', function (e) {
    state.filter = e.target.value.trim().toLowerCase();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { loadList(false); }, DEBOUNCE_MS);
  });
  $('state-filter').addEventListener('change', function (e) {
    state.stateFilter = e.target.value;
    if (state.open) { state.open.cursors = [null]; state.open.index = 0; loadPage(); }
    loadList(false);
  });
  var maxAge = localStorage.getItem('pharos.maxAge');
  $('max-age').value = maxAge == null ? '60' : maxAge;
  state.maxAge = $('max-age').value ? Number($('max-age').value) : null;
  $('max-age').addEventListener('change', function (e) {
    localStorage.setItem('pharos.maxAge', e.target.value);
    state.maxAge = e.target.value ? Number(e.target.value) : null;
    if (state.open) { loadPage(); }
    loadList(false);
  });
  $('more-services').addEventListener('click', function () { loadList(true); });
  $('token').value = localStorage.getItem('pharos.token') || '';
  $('token').addEventListener('change', function (e) { localStorage.setItem('pharos.token', e.target.value); });
  $('services').addEventListener('click', function (e) {
    var button = e.target.closest('button[data-action]');
    if (button) { setMaintenance(button.getAttribute('data-id'), button.getAttribute('data-action') === 'maintenance-on', button); return; }
    var pager = e.target.closest('button[data-page]');
    if (pager && state.open) {
      state.open.index += pager.getAttribute('data-page') === 'next' ? 1 : -1;
      loadPage();
      return;
    }
    var summary = e.target.closest('tr.service');
    if (summary) { toggle(summary.getAttribute('data-service')); }
  });
  getJson('/v1/cluster').then(function (res) { $('node').textContent = res.body.zookeeper ? 'ZooKeeper ' + res.body.zookeeper : ''; }).catch(function () { });
  follow();
  loadList(false);
  slowRound();
  setInterval(slowRound, SLOW_REFRESH_MS);
  // a check's counters move without a change event: the opened page only
  setInterval(function () { if (state.open) { loadPage(); } else { tickFreshness(); } }, SLOW_REFRESH_MS);
  if (LIST_REFRESH_S > 0) { setInterval(function () { loadList(false); }, LIST_REFRESH_S * 1000); }
})();
