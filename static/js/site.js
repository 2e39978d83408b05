// Small progressive enhancements; every page works without this file.
(function () {
  function init(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (all) {
      var form = all.form;
      var boxes = form.querySelectorAll("input[name='" + all.dataset.selectAll + "']");
      all.addEventListener("change", function () { boxes.forEach(function (b) { b.checked = all.checked; }); });
      boxes.forEach(function (b) {
        b.addEventListener("change", function () {
          all.checked = Array.prototype.every.call(boxes, function (x) { return x.checked; });
        });
      });
    });
    root.querySelectorAll("[data-toggles]").forEach(function (box) {
      var target = document.getElementById(box.dataset.toggles);
      if (!target) return;
      var sync = function () { target.classList.toggle("hidden", !box.checked); };
      box.addEventListener("change", sync);
      sync();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
// A submit button marked data-once is disabled right after its form is sent (the server also ignores repeats).
document.addEventListener("submit", function (e) {
  var buttons = e.target.querySelectorAll("button[data-once]");
  setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
});
// The browser's time zone, for the times on the pages until the profile names one (accounts.middleware).
(function () {
  var tz = "";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (/^[A-Za-z0-9_+\-\/]+$/.test(tz) && document.cookie.split("; ").indexOf("tz=" + tz) === -1) {
    document.cookie = "tz=" + tz + "; path=/; max-age=31536000; SameSite=Lax";
  }
})();
