// Pharos dashboard: the helpers every part of the page uses (plain script, no build). Everything
// from the API is escaped before it is put in the page.
window.PharosUi = (function () {
  'use strict';

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

  return { $: $, esc: esc, getJson: getJson, when: when, ago: ago, nesoiMs: nesoiMs };
})();
