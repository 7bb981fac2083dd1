// Code blocks and outputs that scroll sideways must be reachable from the keyboard
// (WCAG 2.1.1; axe rule scrollable-region-focusable). Give such blocks a tab stop,
// again whenever a solution or dropdown opens and on resize.
(function () {
  var selector = "div.highlight pre, div.cell_output pre, div.output pre";
  function tabStops() {
    document.querySelectorAll(selector).forEach(function (el) {
      if (el.scrollWidth > el.clientWidth) {
        el.setAttribute("tabindex", "0");
      }
    });
  }
  window.addEventListener("load", tabStops);
  window.addEventListener("resize", tabStops);
  document.addEventListener("toggle", tabStops, true);
  document.addEventListener("click", function () { window.setTimeout(tabStops, 0); });
  new MutationObserver(tabStops).observe(document.documentElement, {
    attributes: true, attributeFilter: ["class", "open"], subtree: true
  });
})();
