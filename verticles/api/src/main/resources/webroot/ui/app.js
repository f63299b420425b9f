// Pharos dashboard: plain script, no build. Reads the node's own /v1 API and follows
// /v1/changes. The service list (services.js) is one summary row per service; a row opens into
// its instances (service-page.js). This file: the definitions, descriptors, serf and health
// panels, the change stream and the page's controls.
(function (P) {
  'use strict';

  var $ = P.$, esc = P.esc, getJson = P.getJson, when = P.when, S = P.services, state = S.state;
  var SLOW_REFRESH_MS = 5000;  // definitions, descriptors, serf, health, the opened page's check counters
  var MAX_CHANGES = 200;
  var BACKLOG = 50;            // recent changes the Changes panel opens with
  var params = new URLSearchParams(location.search);
  // the whole list is asked again every this many seconds (0: never), for what moves without a
  // change event (a checked instance going from checking to down)
  var LIST_REFRESH_S = params.has('refresh') ? Number(params.get('refresh')) : 30;

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
    source.addEventListener('reset', function () { S.loadList(false); });
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
    S.apply(change);
    if (/definition/.test(change.type || '')) { refreshDefinitions(); }
  }

  // ---- wiring ----------------------------------------------------------------------------------

  var searchTimer = null;
  $('search').addEventListener('input', function (e) {
    state.filter = e.target.value.trim().toLowerCase();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { S.loadList(false); }, S.DEBOUNCE_MS);
  });
  $('state-filter').addEventListener('change', function (e) {
    state.stateFilter = e.target.value;
    if (state.open) { state.open.cursors = [null]; state.open.index = 0; P.page.load(); }
    S.loadList(false);
  });
  var maxAge = localStorage.getItem('pharos.maxAge');
  $('max-age').value = maxAge == null ? '60' : maxAge;
  state.maxAge = $('max-age').value ? Number($('max-age').value) : null;
  $('max-age').addEventListener('change', function (e) {
    localStorage.setItem('pharos.maxAge', e.target.value);
    state.maxAge = e.target.value ? Number(e.target.value) : null;
    if (state.open) { P.page.load(); }
    S.loadList(false);
  });
  $('more-services').addEventListener('click', function () { S.loadList(true); });
  $('token').value = localStorage.getItem('pharos.token') || '';
  $('token').addEventListener('change', function (e) { localStorage.setItem('pharos.token', e.target.value); });
  $('services').addEventListener('click', function (e) {
    var button = e.target.closest('button[data-action]');
    if (button) { S.setMaintenance(button.getAttribute('data-id'), button.getAttribute('data-action') === 'maintenance-on', button); return; }
    var pager = e.target.closest('button[data-page]');
    if (pager && state.open) {
      P.page.turn(pager.getAttribute('data-page') === 'next' ? 1 : -1);
      return;
    }
    var summary = e.target.closest('tr.service');
    if (summary) { P.page.toggle(summary.getAttribute('data-service')); }
  });
  getJson('/v1/cluster').then(function (res) { $('node').textContent = res.body.zookeeper ? 'ZooKeeper ' + res.body.zookeeper : ''; }).catch(function () { });
  follow();
  S.loadList(false);
  slowRound();
  setInterval(slowRound, SLOW_REFRESH_MS);
  // a check's counters move without a change event: the opened page only
  setInterval(function () { if (state.open) { P.page.load(); } else { S.tickFreshness(); } }, SLOW_REFRESH_MS);
  if (LIST_REFRESH_S > 0) { setInterval(function () { S.loadList(false); }, LIST_REFRESH_S * 1000); }
})(window.PharosUi);
