// The live part of report.html: charts (uPlot) from the embedded data, the smoothing control and
// the sample-grid slider. Plain browser JavaScript, no build step: it is inlined as it is.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('dgm-data').textContent);
  var c = data.chart;
  var charts = {};
  window.dgmReport = { charts: charts, data: data };
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

  // TensorBoard's smoothing: an exponential moving average, debiased so early points are not pulled to 0.
  function smooth(values, weight) {
    var out = [], last = 0, n = 0;
    for (var i = 0; i < values.length; i++) {
      var v = values[i];
      if (v === null || !isFinite(v)) { out.push(null); continue; }
      last = last * weight + (1 - weight) * v;
      n++;
      out.push(weight === 0 ? v : last / (1 - Math.pow(weight, n)));
    }
    return out;
  }

  // Steps are whole numbers: no tick at 1.5. Values: 4 significant digits, tiny ones (learning
  // rates) in exponent form, so 2e-4 and 1.5e-4 do not both read 0.0002.
  var STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6];
  function formatValue(v) {
    if (v === null || v === undefined) return '';
    var a = Math.abs(v);
    if (a !== 0 && (a < 0.01 || a >= 1e6)) return v.toExponential(2).replace(/\.?0+e/, 'e');
    return String(Number(v.toPrecision(4)));
  }
  function formatTicks(u, splits) { return splits.map(formatValue); }

  function width(el) { return Math.max(240, el.clientWidth || 360); }

  function chart(id, title, series, columns, yLabel) {
    var holder = document.createElement('div');
    holder.className = 'chart';
    holder.id = 'chart-' + id;
    document.getElementById('charts').appendChild(holder);
    var opts = {
      title: title,
      width: width(holder),
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'step', incrs: STEP_INCRS }, { label: yLabel || '', size: 70, values: formatTicks }],
      series: [{ label: 'step' }].concat(series.map(function (s) { s.value = function (u, v) { return formatValue(v); }; return s; })),
    };
    var u = new uPlot(opts, [c.steps].concat(columns), holder);
    holder.dataset.points = String(c.steps.length);
    charts[id] = u;
    return u;
  }

  var smoothing = 0.6;
  var lossCharts = [];
  function lossColumns(name) { var raw = c.losses[name]; return [raw, smooth(raw, smoothing)]; }

  function build() {
    var names = Object.keys(c.losses);
    names.forEach(function (name, i) {
      var color = COLORS[i % COLORS.length];
      var u = chart('loss-' + name, 'loss: ' + name, [
        { label: name + ' (raw)', stroke: color + '55', width: 1 },
        { label: name + ' (smoothed)', stroke: color, width: 2 },
      ], lossColumns(name));
      lossCharts.push({ name: name, u: u });
    });
    if (c.lr) chart('lr', 'learning rate', [{ label: 'lr', stroke: '#555', width: 2 }], [c.lr]);
    chart('throughput', 'images / s', [{ label: 'images/s', stroke: '#2ca02c', width: 2 }], [c.samplesPerSec]);
    chart('time', 'step time: compute vs communication (ms)', [
      { label: 'compute (slowest worker)', stroke: '#1f77b4', width: 2 },
      { label: 'communication', stroke: '#d62728', width: 2 },
    ], [c.computeMs, c.commMs], 'ms');
    if (c.workerComputeMs && c.workerComputeMs.length > 1) {
      chart('workers', 'compute per worker (ms): a straggler is the line above the rest',
        c.workerComputeMs.map(function (_, r) { return { label: 'rank ' + r, stroke: COLORS[r % COLORS.length], width: 1.5 }; }),
        c.workerComputeMs, 'ms');
    }
  }

  function fail(where, error) {
    var p = document.createElement('p');
    p.className = 'error';
    p.textContent = 'Could not draw ' + where + ': ' + (error && error.message ? error.message : String(error));
    (document.getElementById('charts') || document.body).appendChild(p);
  }

  if (document.getElementById('charts')) {
    try { build(); } catch (e) { fail('the charts', e); }
    var slider = document.getElementById('smoothing');
    slider.addEventListener('input', function () {
      smoothing = Number(slider.value);
      document.getElementById('smoothing-value').textContent = slider.value;
      lossCharts.forEach(function (l) { l.u.setData([c.steps].concat(lossColumns(l.name))); });
    });
    var resizing = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () {
        Object.keys(charts).forEach(function (k) { var u = charts[k]; u.setSize({ width: width(u.root.parentNode), height: 220 }); });
      }, 100);
    });
  }

  // Sample grids: the slider (or a click on a thumbnail) shows that step's grid large.
  var grid = document.getElementById('grid-slider');
  if (grid) {
    var thumbs = Array.prototype.slice.call(document.querySelectorAll('.strip .thumb'));
    var large = document.getElementById('grid-large');
    var show = function (i) {
      var t = thumbs[i];
      if (!t) return;
      large.src = t.src;
      large.alt = t.alt;
      document.getElementById('grid-step').textContent = t.dataset.step;
      thumbs.forEach(function (x, k) { x.classList.toggle('selected', k === i); });
      grid.value = String(i);
    };
    grid.addEventListener('input', function () { show(Number(grid.value)); });
    thumbs.forEach(function (t, i) { t.addEventListener('click', function () { show(i); }); });
    show(thumbs.length - 1);
  }
  // A live run: reload as often as the coordinator rewrites the file, unless the reader is busy
  // with a slider (a reload would throw their place away).
  if (data.live) {
    var reload = setTimeout(function () { location.reload(); }, 30000);
    var stay = function () {
      clearTimeout(reload);
      var note = document.getElementById('live');
      if (note) note.textContent = 'paused reloading (reload the page to see new steps)';
    };
    Array.prototype.forEach.call(document.querySelectorAll('input[type=range], .thumb'), function (el) {
      el.addEventListener('input', stay);
      el.addEventListener('click', stay);
    });
  }
  document.body.dataset.ready = 'true';
})();
