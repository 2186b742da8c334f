// Live queue: server-sent events add new alerts (and status changes) without a reload.
// Everything taken from the server is put in the page with textContent: never as HTML.
(function () {
  "use strict";
  var table = document.getElementById("queue");
  if (!table || !window.EventSource) { return; }
  var body = table.tBodies[0];
  var filters = JSON.parse(table.dataset.filters || "{}");
  var live = document.getElementById("live");
  var empty = document.getElementById("empty");

  function matches(a) {
    if (filters.severity && a.severity !== filters.severity) { return false; }
    if (filters.status && a.status !== filters.status) { return false; }
    if (filters.community && a.community !== filters.community) { return false; }
    if (filters.thread && a.thread_id !== filters.thread) { return false; }
    if (!filters.suppressed && a.suppressed) { return false; }
    return true;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function bump(kind, value, delta) {
    var b = document.querySelector("[data-count-" + kind + "=\"" + value + "\"]");
    if (b) { b.textContent = String(parseInt(b.textContent, 10) + delta); }
  }
  function row(a) {
    var tr = el("tr", "alert-row fresh");
    tr.dataset.alertId = a.alert_id;
    tr.dataset.seq = String(a.seq);
    tr.dataset.detected = String(a.detected_ts);
    tr.appendChild(el("td", "when", a.detected_at));
    var sev = el("td"); sev.appendChild(el("span", "sev sev-" + a.severity, a.severity.replace("_", " "))); tr.appendChild(sev);
    var who = el("td", "who"); who.appendChild(el("span", "offender", a.offender));
    if (a.target) { who.appendChild(document.createTextNode(" \u2192 ")); who.appendChild(el("span", "target", a.target)); }
    tr.appendChild(who);
    var ex = el("td", "excerpt"); var link = el("a", "", a.excerpt || "(comment not received yet)");
    link.href = "/alerts/" + encodeURIComponent(a.alert_id); ex.appendChild(link);
    if (a.rule) { ex.appendChild(el("div", "rule", a.rule + (a.tier ? " \u00b7 " + a.tier : ""))); }
    tr.appendChild(ex);
    tr.appendChild(el("td", "score", a.score.toFixed(2)));
    var where = el("td", "where");
    if (a.community) { where.appendChild(el("span", "community", a.community)); where.appendChild(document.createTextNode(" ")); }
    var tl = el("a", "", a.thread_id); tl.href = "/threads/" + encodeURIComponent(a.thread_id); where.appendChild(tl);
    tr.appendChild(where);
    var st = el("td"); st.appendChild(el("span", "status status-" + a.status, a.status)); tr.appendChild(st);
    tr.dataset.shownAt = String(Date.now());
    return tr;
  }
  var after = parseInt(table.dataset.latest || "0", 10);
  var source = new EventSource("/events?after=" + after);
  source.addEventListener("open", function () { live.classList.remove("off"); live.textContent = "\u25cf live"; });
  source.addEventListener("error", function () { live.classList.add("off"); live.textContent = "\u25cf reconnecting"; });
  source.addEventListener("alert", function (ev) {
    var a = JSON.parse(ev.data);
    if (body.querySelector("tr[data-alert-id=\"" + a.alert_id + "\"]")) { return; }
    if (a.suppressed && !filters.suppressed) { return; }
    if (!filters.severity || filters.severity === a.severity) { bump("status", a.status, 1); }
    if (!filters.status || filters.status === a.status) { bump("severity", a.severity, 1); }
    if (!matches(a)) { return; }
    body.insertBefore(row(a), body.firstChild);
    if (empty) { empty.hidden = true; }
  });
  source.addEventListener("status", function (ev) {
    var s = JSON.parse(ev.data);
    var tr = body.querySelector("tr[data-alert-id=\"" + s.alert_id + "\"]");
    if (!tr) { return; }
    var badge = tr.querySelector(".status");
    if (badge) {
      bump("status", badge.textContent, -1); bump("status", s.status, 1);
      badge.className = "status status-" + s.status; badge.textContent = s.status;
    }
    if (filters.status && filters.status !== s.status) { tr.remove(); }
  });
}());
