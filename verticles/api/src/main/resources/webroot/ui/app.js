// Pharos dashboard: plain script, no build. Reads the node's own /v1 API and follows
// /v1/changes; every change refetches the service list (at most every REFRESH_MS), so the page
// never reloads. Everything from the API is escaped before it is put in the page.
(function () {
  'use strict';

  var REFRESH_MS = 50;         // coalesces bursts of changes into one fetch
  var SLOW_REFRESH_MS = 5000;  // definitions, descriptors, serf and health, which have no change events
  var MAX_CHANGES = 200;

  var state = { services: [], filter: '', refreshQueued: false, refreshing: false, again: false };
  // when each instance first showed in the page (the benchmark reads it)
  var firstSeen = {};
  // and how long each render of the list took, in ms (the last 1,000)
  var renderMs = [];
  window.pharos = { firstSeen: firstSeen, renders: 0, renderMs: renderMs };

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

  // ---- services -----------------------------------------------------------------------------

  function refreshServices() {
    if (state.refreshing) { state.again = true; return; }
    state.refreshing = true;
    getJson('/v1/services').then(function (res) {
      if (res.ok) {
        state.services = res.body.services || [];
        $('warnings').textContent = (res.body.warnings || []).join('; ');
        renderServices();
      } else {
        $('services').innerHTML = '<p class="down">' + esc(res.body.error || ('HTTP ' + res.status)) + '</p>';
      }
    }).catch(function (err) {
      $('services').innerHTML = '<p class="down">' + esc(err) + '</p>';
    }).then(function () {
      state.refreshing = false;
      if (state.again) { state.again = false; queueRefresh(); }
    });
  }

  function queueRefresh() {
    if (state.refreshQueued) { return; }
    state.refreshQueued = true;
    setTimeout(function () { state.refreshQueued = false; refreshServices(); }, REFRESH_MS);
  }

  function matches(service, instance, filter) {
    if (!filter) { return true; }
    var text = [service.name, instance.id, instance.host, instance.address, instance.env, instance.hostId, instance.source, instance.state]
      .join(' ').toLowerCase();
    return text.indexOf(filter) >= 0;
  }

  function checksHtml(instance) {
    if (!instance.checks || !instance.checks.length) { return ''; }
    return instance.checks.map(function (c) {
      var last = c.last ? (c.last.passed ? 'passed' : 'failed') + ': ' + esc(c.last.detail) + ' (' + Math.round(c.last.micros / 1000) + ' ms)' : 'not run yet';
      return '<div class="check" data-check="' + esc(c.type) + '">' + esc(c.type) + (c.uri ? ' ' + esc(c.uri) : '') +
        ' · ' + last + ' · ' + (c.failuresInARow ? esc(c.failuresInARow) + ' failed' : esc(c.passesInARow) + ' passed') +
        ' in a row (rise ' + esc(c.rise) + ', fall ' + esc(c.fall) + ')</div>';
    }).join('');
  }

  function instanceRow(service, i) {
    var where = i.source === 'docker' ? esc(i.host) + ':' + esc(i.port) : esc(i.address);
    var action = '';
    if (i.source === 'docker') {
      action = i.maintenance
        ? '<button data-action="maintenance-off" data-id="' + esc(i.id) + '">Take out of maintenance</button>'
        : '<button data-action="maintenance-on" data-id="' + esc(i.id) + '">Maintenance</button>';
    }
    // a clock time, not "n s ago": the row's markup stays the same until the instance changes
    var since = i.since ? 'since ' + esc(new Date(i.since).toLocaleTimeString()) : esc(i.updatedAt || '');
    return '<tr data-instance-id="' + esc(i.id) + '" data-state="' + esc(i.state) + '" data-source="' + esc(i.source) + '">' +
      '<td><div>' + esc(i.id) + '</div><div class="source">' + esc(i.source) + (i.env ? ' · ' + esc(i.env) : '') +
      // who owns it in the cluster: the node whose checker checks it and whose registrar holds it
      (i.checker ? ' · checked on ' + esc(i.checker) : '') + (i.registrar ? ' · registered by ' + esc(i.registrar) : '') +
      '</div></td>' +
      '<td>' + where + '</td>' +
      '<td><span class="badge ' + esc(i.state) + '">' + esc(i.state) + '</span>' +
      (i.reason ? ' <span class="muted">' + esc(i.reason) + '</span>' : '') + checksHtml(i) + '</td>' +
      '<td class="narrow-hide">' + (i.registered ? since : (i.maintenance ? 'drained ' + since : '')) + '</td>' +
      '<td>' + action + '</td></tr>';
  }

  // one block per service, replaced only when its markup changed: with 1,000 instances and a
  // change every 50 ms, re-parsing the whole list each time is what would make the page lag
  var blocks = {};

  function renderServices() {
    var started = performance.now();
    var filter = state.filter;
    var wanted = [];
    var shown = 0, total = 0, up = 0;
    var fresh = [];
    state.services.forEach(function (service) {
      var rows = [];
      service.instances.forEach(function (i) {
        total++;
        if (i.state === 'up') { up++; }
        if (!(i.id in firstSeen)) { firstSeen[i.id] = null; fresh.push(i.id); }
        if (matches(service, i, filter)) { rows.push(instanceRow(service, i)); }
      });
      if (rows.length) {
        shown += rows.length;
        wanted.push({ name: service.name, html: '<h3 data-service="' + esc(service.name) + '">' + esc(service.name) +
          ' <span class="muted">' + rows.length + '</span></h3><table><thead><tr><th>Instance</th><th>Address</th><th>Health</th>' +
          '<th class="narrow-hide">Registered</th><th></th></tr></thead><tbody>' + rows.join('') + '</tbody></table>' });
      }
    });
    var container = $('services');
    var placeholder = container.querySelector(':scope > p');
    if (placeholder) { container.removeChild(placeholder); }
    var keep = {};
    wanted.forEach(function (w, index) {
      var block = blocks[w.name];
      if (!block) {
        block = blocks[w.name] = { html: null, el: document.createElement('div') };
        block.el.setAttribute('data-service-block', w.name);
      }
      if (block.html !== w.html) {
        block.el.innerHTML = w.html;
        block.html = w.html;
      }
      if (container.children[index] !== block.el) { container.insertBefore(block.el, container.children[index] || null); }
      keep[w.name] = true;
    });
    Object.keys(blocks).forEach(function (name) {
      if (!keep[name]) { container.removeChild(blocks[name].el); delete blocks[name]; }
    });
    if (!wanted.length) {
      container.insertAdjacentHTML('beforeend', '<p class="muted">' + (total ? 'nothing matches' : 'no services yet') + '</p>');
    }
    $('counts').textContent = shown + ' shown of ' + total + ' instances, ' + up + ' up';
    window.pharos.renders++;
    renderMs.push(performance.now() - started);
    // shown: the frame after the DOM changed
    requestAnimationFrame(function () {
      var at = Date.now();
      fresh.forEach(function (id) { firstSeen[id] = at; });
    });
    if (renderMs.length > 1000) { renderMs.shift(); }
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
    }).catch(function (err) { alert(err); }).then(function () { button.disabled = false; queueRefresh(); });
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
    var source = new EventSource('/v1/changes');
    source.onopen = function () { $('live').textContent = 'live'; $('live').className = 'badge up'; };
    source.onerror = function () { $('live').textContent = 'reconnecting'; $('live').className = 'badge off'; };
    source.onmessage = function (e) { received(e.data); };
    // named events arrive on their own listeners
    ['registered', 'deregistered', 'maintenance-on', 'maintenance-off', 'app-updated', 'app-deleted', 'srv-updated', 'srv-deleted']
      .forEach(function (name) { source.addEventListener(name, function (e) { received(e.data); }); });
  }

  function received(data) {
    var change;
    try { change = JSON.parse(data); } catch (e) { return; }
    var list = $('changes');
    var item = document.createElement('li');
    item.textContent = new Date(change.ts || Date.now()).toLocaleTimeString() + ' ' + describe(change);
    list.insertBefore(item, list.firstChild);
    while (list.children.length > MAX_CHANGES) { list.removeChild(list.lastChild); }
    queueRefresh();
    if (/definition/.test(change.type || '')) { refreshDefinitions(); }
  }

  // ---- wiring ----------------------------------------------------------------------------------

  $('search').addEventListener('input', function (e) { state.filter = e.target.value.trim().toLowerCase(); renderServices(); });
  $('token').value = localStorage.getItem('pharos.token') || '';
  $('token').addEventListener('change', function (e) { localStorage.setItem('pharos.token', e.target.value); });
  $('services').addEventListener('click', function (e) {
    var button = e.target.closest('button[data-action]');
    if (button) { setMaintenance(button.getAttribute('data-id'), button.getAttribute('data-action') === 'maintenance-on', button); }
  });
  getJson('/v1/cluster').then(function (res) { $('node').textContent = res.body.zookeeper ? 'ZooKeeper ' + res.body.zookeeper : ''; }).catch(function () { });
  follow();
  refreshServices();
  slowRound();
  setInterval(slowRound, SLOW_REFRESH_MS);
  setInterval(refreshServices, SLOW_REFRESH_MS); // a check's counters move without a change event
})();
