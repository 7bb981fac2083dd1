// The shrinkage explorer (chapters/estimate.md): sliders for the cluster variance tau^2, the
// residual variance sigma^2 and a cluster's size n_j; the cluster's EBLUP moves between its own
// mean and the overall mean as lambda = tau^2 / (tau^2 + sigma^2 / n_j) says. Plain JS and SVG,
// offline. The starting values come from the page (data-* attributes written by a code cell).
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var W = 360, H = 140, PAD = 24;

  function el(tag, attrs, parent, ns) {
    var node = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function fmt(x, digits) { return Number(x).toFixed(digits); }
  function decimals(step) { return Math.max(0, Math.ceil(-Math.log10(step))); }

  function build(box, index) {
    var d = box.dataset;
    var start = {tau2: +d.tau2, sigma2: +d.sigma2, n: +d.n};
    var overall = +d.overallMean, cluster = +d.clusterMean;
    var id = "shrinkage-" + index;
    box.textContent = "";
    box.classList.add("shrinkage-ready");

    var controls = el("div", {class: "shrinkage-controls"}, box);
    var spec = [
      {key: "tau2", label: "cluster variance \u03c4\u00b2", min: start.tau2 / 20, max: start.tau2 * 5},
      {key: "sigma2", label: "residual variance \u03c3\u00b2", min: start.sigma2 / 20, max: start.sigma2 * 5},
      {key: "n", label: "cluster size n\u2c7c", min: 1, max: Math.max(200, 4 * start.n), step: 1},
    ];
    var inputs = {}, outputs = {};
    spec.forEach(function (s) {
      var step = s.step || Number((s.max / 500).toPrecision(1));
      // The starting value must lie on the slider's grid (min + k * step), or the browser moves it.
      s.min = start[s.key] - step * Math.floor((start[s.key] - s.min) / step);
      var row = el("div", {class: "shrinkage-row"}, controls);
      var label = el("label", {for: id + "-" + s.key}, row);
      label.textContent = s.label;
      var input = el("input", {type: "range", id: id + "-" + s.key, name: s.key, min: s.min,
                               max: s.max, step: step, value: start[s.key]}, row);
      var out = el("output", {for: id + "-" + s.key, class: "shrinkage-value"}, row);
      s.digits = s.step ? 0 : decimals(step);
      inputs[s.key] = input; outputs[s.key] = out; s.input = input;
      input.addEventListener("input", update);
    });

    var formula = el("p", {class: "shrinkage-formula", "aria-live": "polite"}, box);
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, class: "shrinkage-plot", role: "img",
                         "aria-labelledby": id + "-desc"}, box, true);
    var desc = el("desc", {id: id + "-desc"}, svg, true);
    var lo = Math.min(overall, cluster), hi = Math.max(overall, cluster);
    var span = (hi - lo) || 1;
    lo -= 0.15 * span; hi += 0.15 * span;
    var x = function (v) { return PAD + (W - 2 * PAD) * (v - lo) / (hi - lo); };
    var axisY = 62;
    el("line", {x1: PAD, x2: W - PAD, y1: axisY, y2: axisY, class: "shrinkage-axis"}, svg, true);
    // Labels near an end of the line are anchored inwards, so they stay inside the picture.
    function anchor(px) { return px < W / 3 ? "start" : px > 2 * W / 3 ? "end" : "middle"; }
    function marker(value, cls, text, dy) {
      var g = el("g", {class: cls}, svg, true);
      el("line", {x1: x(value), x2: x(value), y1: axisY - 12, y2: axisY + 12}, g, true);
      var px = x(value);
      var t = el("text", {x: px + (anchor(px) === "start" ? -6 : anchor(px) === "end" ? 6 : 0),
                          y: axisY + dy, "text-anchor": anchor(px)}, g, true);
      t.textContent = text;
      return g;
    }
    marker(overall, "shrinkage-overall", "overall mean " + fmt(overall, 2), 34);
    marker(cluster, "shrinkage-cluster", "cluster mean " + fmt(cluster, 2), 60);
    var dot = el("circle", {cy: axisY, r: 9, class: "shrinkage-eblup"}, svg, true);
    var dotLabel = el("text", {y: axisY - 22, "text-anchor": "middle", class: "shrinkage-eblup-label"}, svg, true);

    function update() {
      var tau2 = +inputs.tau2.value, sigma2 = +inputs.sigma2.value, n = +inputs.n.value;
      spec.forEach(function (s) { outputs[s.key].textContent = fmt(s.input.value, s.digits); });
      var lambda = tau2 / (tau2 + sigma2 / n);
      var eblup = overall + lambda * (cluster - overall);
      dot.setAttribute("cx", x(eblup));
      dotLabel.setAttribute("x", x(eblup));
      dotLabel.setAttribute("text-anchor", anchor(x(eblup)));
      dotLabel.textContent = "EBLUP " + fmt(eblup, 3);
      formula.textContent = "\u03bb = \u03c4\u00b2 / (\u03c4\u00b2 + \u03c3\u00b2/n\u2c7c) = " +
        fmt(tau2, 3) + " / (" + fmt(tau2, 3) + " + " + fmt(sigma2, 3) + "/" + n + ") = " +
        fmt(lambda, 3) + "; the EBLUP lies " + fmt(100 * lambda, 1) +
        " % of the way from the overall mean to the cluster mean: " + fmt(eblup, 3) + ".";
      desc.textContent = "A number line with the overall mean at " + fmt(overall, 2) +
        ", the cluster mean at " + fmt(cluster, 2) + " and the EBLUP at " + fmt(eblup, 3) + ".";
      box.dataset.lambda = String(lambda);
      box.dataset.eblup = String(eblup);
    }
    update();
  }

  function setup() {
    document.querySelectorAll("div.shrinkage-explorer").forEach(build);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
