/* Măng progressive enhancement, no dependencies; load with defer.
 * form[data-confirm=TEXT]: confirm(TEXT) before submit.
 * button[data-busy=TEXT]: after submit, disabled and relabelled TEXT (no double submit).
 * input[data-filter-target=ID]: hide rows of table#ID not containing every typed word
 * (case, diacritics, đ/d ignored); data-filter-count=ID2 gets the row count.
 * progress[data-status=URL]: poll URL (JSON {done, total, text, finished}) every second,
 * move the bar and put text into #data-status-text; reload the page once finished (the
 * page then shows the result). Without JS the page refreshes itself (noscript meta).
 * form[data-assess=URL]: while typing, GET URL + the form's measurement fields (JSON
 * z-scores, no record read or written) and show them in the form's <output>. */
(function () {
  "use strict";
  var d = document, SENT = "data-mang-sent", OLD = "data-busy-label";

  function fold(s) {
    s = String(s);
    if (s.normalize) s = s.normalize("NFD");
    return s.replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  function each(list, fn) { for (var i = 0; i < list.length; i++) fn(list[i]); }

  d.addEventListener("submit", function (e) {
    var f = e.target, bs = [];
    if (!f || f.nodeName !== "FORM" || e.defaultPrevented) return;
    if (f.hasAttribute(SENT)) return e.preventDefault();
    var msg = f.getAttribute("data-confirm");
    if (msg !== null && !window.confirm(msg)) return e.preventDefault();
    each(f.elements, function (b) {
      if (b.nodeName === "BUTTON" && b.hasAttribute("data-busy")) bs.push(b);
    });
    if (!bs.length) return;
    f.setAttribute(SENT, "");
    f.setAttribute("aria-busy", "true");
    // next tick: disabling now drops the name=value of the button
    setTimeout(function () {
      each(bs, function (b) {
        if (!b.hasAttribute(OLD)) b.setAttribute(OLD, b.innerHTML);
        b.textContent = b.getAttribute("data-busy");
        b.disabled = true;
      });
    }, 0);
  });

  // page restored from the back/forward cache: re-enable buttons
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    each(d.querySelectorAll("form[" + SENT + "]"), function (f) {
      f.removeAttribute(SENT);
      f.removeAttribute("aria-busy");
      each(f.querySelectorAll("button[" + OLD + "]"), function (b) {
        b.innerHTML = b.getAttribute(OLD);
        b.removeAttribute(OLD);
        b.disabled = false;
      });
    });
  });

  function filter(inp) {
    var t = d.getElementById(inp.getAttribute("data-filter-target")), n = 0;
    if (!t || !t.tBodies) return;
    var words = fold(inp.value).split(/\s+/).filter(Boolean);
    each(t.tBodies, function (tb) {
      each(tb.rows, function (r) {
        var txt = fold(r.textContent), ok = words.every(function (w) { return txt.indexOf(w) > -1; });
        r.hidden = !ok;
        if (ok) n++;
      });
    });
    var c = d.getElementById(inp.getAttribute("data-filter-count") || "");
    if (c) c.textContent = n;
  }

  d.addEventListener("input", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-filter-target")) filter(el);
  });
  function poll(bar) {
    var url = bar.getAttribute("data-status");
    var label = d.getElementById(bar.getAttribute("data-status-text") || "");
    function tick() {
      if (!window.fetch) return window.location.reload();
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (s) {
          if (s.finished) return window.location.reload();
          if (s.total > 0) { bar.max = s.total; bar.value = s.done; } else bar.removeAttribute("value");
          if (label) label.textContent = s.text;
          setTimeout(tick, 1000);
        })
        // gone (expired, signed out) or unreachable: the page itself says what happened
        .catch(function () { window.location.reload(); });
    }
    setTimeout(tick, 500);
  }

  function assess(form) {
    var out = form.querySelector("output"), timer = 0, seq = 0;
    if (!out || !window.fetch) return;
    function z(v, name) {
      if (!v) return "";
      return name + " " + v.z.toFixed(2).replace(".", ",") + (v.flagged ? " (!)" : "");
    }
    function run() {
      var q = [], names = ["date", "weight_kg", "lenhei_cm", "measure", "oedema", "muac_cm"];
      each(names, function (n) {
        var el = form.elements[n];
        if (el && el.value) q.push(n + "=" + encodeURIComponent(el.value));
      });
      var date = form.elements.date, w = form.elements.weight_kg, l = form.elements.lenhei_cm;
      if (!date || !date.value || ((!w || !w.value) && (!l || !l.value))) { out.textContent = ""; return; }
      var mine = ++seq;
      fetch(form.getAttribute("data-assess") + "&" + q.join("&"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, b: b }; }); })
        .then(function (x) {
          if (mine !== seq) return;
          if (!x.ok) {
            out.textContent = x.b.errors && x.b.errors.length
              ? x.b.errors.map(function (e) { return e.message; }).join("; ") : (x.b.error || "");
            return;
          }
          var parts = [z(x.b.zwei, "Z cân nặng/tuổi"), z(x.b.zlen, "Z chiều cao/tuổi"), z(x.b.zwfl, "Z cân nặng/chiều cao")]
            .filter(function (p) { return p; });
          out.textContent = parts.join(" · ") + (parts.length ? " — " : "") + x.b.status;
        })
        .catch(function () { out.textContent = ""; });
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 300); });
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(run, 50); });
  }

  function init() {
    each(d.querySelectorAll("form[data-assess]"), assess);
    each(d.querySelectorAll("input[data-filter-target]"), function (i) { if (i.value) filter(i); });
    each(d.querySelectorAll("progress[data-status]"), poll);
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", init);
  else init();
})();
