// Pharos dashboard: the service list, one summary row per service (GET /v1/services, paged), and
// how a change from the stream is applied to it: at once to what is shown, then, debounced, only
// the summaries of the services it touched are asked again (one request for a burst), never the
// whole list. Plain script, no build.
(function (P) {
  'use strict';

  var $ = P.$, esc = P.esc, getJson = P.getJson, when = P.when;

  var DEBOUNCE_MS = 200;       // coalesces bursts of changes into one request per kind
  var LIST_PAGE = 100;         // summaries per request
  var INSTANCE_PAGE = 50;      // instances per page of an opened service

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
    var html = summaryCells(s);
    if (row.pharosHtml !== html) { // unchanged summaries keep their cells
      row.innerHTML = html;
      row.pharosHtml = html;
    }
  }

  function renderList() {
    var started = performance.now();
    var body = table();
    body.innerHTML = '';
    state.order.forEach(function (name) { renderRow(name); });
    if (state.open && state.summaries[state.open.name]) { P.page.render(); }
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

  var listAsked = 0;

  function loadList(append) {
    var limit = append ? LIST_PAGE : Math.max(LIST_PAGE, Math.min(1000, state.order.length));
    var asked = ++listAsked;
    window.pharos.fetches.list++;
    return getJson('/v1/services?' + query({ limit: limit, after: append ? state.next : null })).then(function (res) {
      if (asked !== listAsked) { return; } // a later request (the search typed on) answers for the page
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
    var listAt = listAsked;
    getJson('/v1/services?' + query({ app: names, limit: Math.min(1000, names.length) })).then(function (res) {
      if (!res.ok || listAt !== listAsked) { return; } // the list was asked again meanwhile, with what filters it now has
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
          // an opened service stays open: it may come back (a filter changed meanwhile, a host came again)
        }
        renderRow(name);
      });
      renderCounts();
    }).catch(function () { /* the next change or the list's refresh tries again */ });
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
      // a brief highlight; the Web Animations API restarts it without forcing a layout of the page
      if (row && row.animate) { row.animate([{ backgroundColor: '#fff3c4' }, { backgroundColor: 'transparent' }], 1500); }
    }
    queueSummary(name);
    if (state.open && state.open.name === name) { P.page.patch(subject.id, change); P.page.queue(); }
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
      span.outerHTML = P.freshnessHtml(i, state.maxAge);
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
      if (state.open) { queueSummary(state.open.name); P.page.queue(); }
    });
  }

  P.services = { state: state, DEBOUNCE_MS: DEBOUNCE_MS, INSTANCE_PAGE: INSTANCE_PAGE, query: query, rowOf: rowOf,
    renderRow: renderRow, loadList: loadList, queueSummary: queueSummary, apply: apply, tickFreshness: tickFreshness,
    setMaintenance: setMaintenance };
})(window.PharosUi);
