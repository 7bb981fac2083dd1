// The menu button works on phones and on desktops (pydata-sphinx-theme 0.17 with
// sphinx-book-theme 1.3; upstream pydata/pydata-sphinx-theme#2451, open).
//
// The theme wires its sidebar dialog to the FIRST ".primary-toggle" on the page, the
// hidden one in the top navbar; the button readers see, in the article header, gets no
// listener, so tapping it only shows its tooltip. Here the visible button opens the
// theme's dialog on narrow screens (by clicking the wired button) and, on wide screens,
// hides or shows the sidebar, saying which in aria-expanded.
(function () {
  var WIDE = window.matchMedia("(min-width: 960px)");
  var KEY = "mlmbook-sidebar-hidden";

  function setHidden(hidden, buttons) {
    document.documentElement.classList.toggle("mlm-sidebar-hidden", hidden);
    buttons.forEach(function (b) { b.setAttribute("aria-expanded", String(!hidden)); });
    try { window.sessionStorage.setItem(KEY, hidden ? "1" : ""); } catch (e) { /* private mode */ }
  }

  function setup() {
    var toggles = Array.from(document.querySelectorAll(".primary-toggle"));
    var wired = toggles[0];  // the one the theme listens to
    var visible = toggles.slice(1);
    if (!wired || visible.length === 0) return;
    visible.forEach(function (button) {
      button.setAttribute("aria-controls", "pst-primary-sidebar");
      button.setAttribute("aria-label", "Toggle the chapter list");
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopImmediatePropagation();
        var tip = window.bootstrap && window.bootstrap.Tooltip.getInstance(button);
        if (tip) tip.hide();
        if (WIDE.matches) {
          setHidden(!document.documentElement.classList.contains("mlm-sidebar-hidden"), visible);
        } else {
          wired.click();
        }
      }, true);
    });
    var stored = "";
    try { stored = window.sessionStorage.getItem(KEY) || ""; } catch (e) { /* private mode */ }
    setHidden(Boolean(stored) && WIDE.matches, visible);
    WIDE.addEventListener("change", function () {
      if (!WIDE.matches) setHidden(false, visible);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
