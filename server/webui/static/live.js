// Live events: rows for new events arrive as server-sent events and are
// added at the top of the table, built with textContent (never as markup).
(function () {
  "use strict";
  var table = document.getElementById("events");
  var status = document.getElementById("live-status");
  if (!table || !table.dataset.stream || !window.EventSource) return;
  var body = table.tBodies[0];
  var src = new EventSource(table.dataset.stream);
  status.textContent = "connecting…";
  src.onopen = function () { status.textContent = "● live: new events appear here"; };
  src.onerror = function () { status.textContent = "▲ disconnected, retrying…"; };
  function cell(tr, text) {
    var td = document.createElement("td");
    if (text !== undefined) td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  src.addEventListener("event", function (m) {
    var e = JSON.parse(m.data);
    var tr = document.createElement("tr");
    tr.className = "new";
    cell(tr, e.time).className = "nowrap";
    var host = cell(tr);
    if (e.href) {
      var a = document.createElement("a");
      a.href = e.href;
      a.textContent = e.host;
      host.appendChild(a);
    } else {
      var em = document.createElement("em");
      em.textContent = "unknown host";
      host.appendChild(em);
    }
    cell(tr, e.agent);
    var badge = document.createElement("span");
    badge.className = "badge " + e.look.Class;
    badge.textContent = e.look.Icon + " " + e.look.Text;
    cell(tr).appendChild(badge);
    var msg = cell(tr, e.message);
    msg.className = "msg";
    if (e.log_tail) {
      var d = document.createElement("details");
      var s = document.createElement("summary");
      s.textContent = "log tail";
      var pre = document.createElement("pre");
      pre.className = "logtail";
      pre.textContent = e.log_tail;
      d.appendChild(s);
      d.appendChild(pre);
      msg.appendChild(d);
    }
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > 500) body.deleteRow(body.rows.length - 1);
  });
})();
