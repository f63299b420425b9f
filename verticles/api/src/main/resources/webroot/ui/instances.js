// Pharos dashboard: one instance's row in an opened service (plain script, no build).
(function (P) {
  'use strict';

  var esc = P.esc, when = P.when, ago = P.ago;

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
  function freshnessHtml(i, maxAge) {
    if (i.updatedMs == null) { return '<span class="freshness stale" data-fresh="unknown">never updated</span>'; }
    var stale = maxAge && Date.now() - i.updatedMs > maxAge * 1000;
    return '<span class="freshness ' + (stale ? 'stale' : 'muted') + '" data-updated="' + esc(i.updatedMs) + '" data-fresh="' +
      (stale ? 'stale' : 'fresh') + '">' + (stale ? 'stale: ' : '') + 'updated ' + ago(i.updatedMs) + '</span>';
  }

  function instanceRow(i, maxAge) {
    var where = i.source === 'docker' ? esc(i.host) + ':' + esc(i.port) : esc(i.address);
    var action = '';
    if (i.source === 'docker') {
      action = i.maintenance
        ? '<button data-action="maintenance-off" data-id="' + esc(i.id) + '">Take out of maintenance</button>'
        : '<button data-action="maintenance-on" data-id="' + esc(i.id) + '">Maintenance</button>';
    }
    var health = i.checked === false
      ? '<span class="badge unchecked" title="nothing checks this host">no check</span> ' + (i.source === 'rest' ? freshnessHtml(i, maxAge) : '')
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

  P.instanceRow = instanceRow;
  P.freshnessHtml = freshnessHtml;
})(window.PharosUi);
