// EdgeKit dashboard: polls status.json (same origin, same protection) and redraws. Requests/s and latency percentiles
// come from the difference between two consecutive documents (cumulative counters and latency bucket counts).
(() => {
  "use strict";
  const intervalMs = 1000;
  const history = 60;
  const previous = new Map();   // "cluster/destination" -> { at, total, failures, buckets }
  const series = new Map();     // "cluster/destination" -> { rps: [], p50: [], p99: [] }

  // Mirrors LatencyHistogram.LowerBoundMicroseconds: four buckets per power of two of microseconds.
  function lowerBound(index) {
    if (index < 4) return index;
    const exponent = Math.floor((index - 4) / 4) + 2;
    const sub = (index - 4) % 4;
    return (4 + sub) * Math.pow(2, exponent - 2);
  }

  function percentile(before, after, quantile) {
    const length = Math.max(before.length, after.length);
    const delta = [];
    let total = 0;
    for (let i = 0; i < length; i++) {
      const d = (after[i] || 0) - (before[i] || 0);
      delta.push(d);
      total += d;
    }
    if (total <= 0) return null;
    const rank = Math.max(1, Math.ceil(quantile * total));
    let seen = 0;
    for (let i = 0; i < length; i++) {
      seen += delta[i];
      if (seen >= rank) return lowerBound(i + 1) / 1000; // upper bound of the bucket, in ms
    }
    return null;
  }

  function text(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return digits === undefined ? String(value) : value.toFixed(digits);
  }

  function spark(values, cssClass) {
    const points = values.filter(v => v !== null);
    const max = Math.max(1e-9, ...points);
    const step = 120 / Math.max(1, history - 1);
    const offset = history - values.length;
    const coords = values.map((v, i) => v === null ? null : `${((offset + i) * step).toFixed(1)},${(23 - (v / max) * 22).toFixed(1)}`)
      .filter(c => c !== null).join(" ");
    return `<polyline class="${cssClass}" points="${coords}"></polyline>`;
  }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c]));
  }

  function render(status) {
    const now = Date.parse(status.generatedAt) || Date.now();
    const clusters = document.getElementById("clusters");
    clusters.innerHTML = status.clusters.map(cluster => {
      const rows = cluster.destinations.map(d => {
        const key = `${cluster.name}/${d.id}`;
        const last = previous.get(key);
        const buckets = d.latencyBuckets || [];
        let rps = null, p50 = null, p99 = null;
        if (last && now > last.at) {
          const seconds = (now - last.at) / 1000;
          rps = (d.totalRequests - last.total) / seconds;
          p50 = percentile(last.buckets, buckets, 0.5);
          p99 = percentile(last.buckets, buckets, 0.99);
        }
        previous.set(key, { at: now, total: d.totalRequests, failures: d.totalFailures, buckets });
        const s = series.get(key) || { rps: [], p50: [], p99: [] };
        if (last) {
          s.rps.push(rps); s.p50.push(p50); s.p99.push(p99);
          for (const name of ["rps", "p50", "p99"]) if (s[name].length > history) s[name].shift();
        }
        series.set(key, s);
        // Why and until when it is out, and what the last probe saw: how an operator sees a destination recover.
        const health = d.isEjected
          ? `Ejected (${d.ejectionReason})${d.ejectedUntil ? " until " + new Date(d.ejectedUntil).toLocaleTimeString() : ""}`
          : d.health;
        const probe = d.lastProbe
          ? `${d.lastProbe.passed ? "passed" : "failed"}: ${d.lastProbe.result} · ${d.lastProbe.passed ? d.consecutiveProbeSuccesses : d.consecutiveProbeFailures} in a row`
          : "";
        const probedAt = d.lastProbe ? new Date(d.lastProbe.at).toLocaleTimeString() : "";
        return `<tr data-destination="${escapeHtml(key)}" data-health="${escapeHtml(d.health)}" data-ejected="${d.isEjected}">
          <td><span class="dot"></span>${escapeHtml(d.id)}</td>
          <td class="health">${escapeHtml(health)}</td>
          <td class="probe" data-probe="${d.lastProbe ? (d.lastProbe.passed ? "passed" : "failed") : "none"}" title="${escapeHtml(probedAt)}">${escapeHtml(probe)}</td>
          <td class="num">${d.inFlight}</td>
          <td class="num rps">${text(rps, 1)}</td>
          <td><svg class="spark" viewBox="0 0 120 24">${spark(s.rps, "rps")}</svg></td>
          <td class="num p50">${text(p50, 2)}</td>
          <td class="num p99">${text(p99, 2)}</td>
          <td><svg class="spark" viewBox="0 0 120 24">${spark(s.p50, "p50")}${spark(s.p99, "p99")}</svg></td>
          <td class="num">${d.ejectionCount}</td>
          <td class="num">${d.totalRequests}</td>
          <td class="num">${d.totalFailures}</td>
        </tr>`;
      }).join("");
      return `<div class="cluster" data-cluster="${escapeHtml(cluster.name)}">
        <h2>${escapeHtml(cluster.name)} <small>${escapeHtml(cluster.strategy)} · ${cluster.available}/${cluster.destinations.length} available</small>
          ${cluster.isPanic ? '<span class="panic">panic</span>' : ""}</h2>
        <table><thead><tr><th>Destination</th><th>Health</th><th>Last probe</th><th>In flight</th><th>Req/s</th><th></th><th>p50 ms</th><th>p99 ms</th><th></th><th>Ejections</th><th>Requests</th><th>Failures</th></tr></thead>
        <tbody>${rows}</tbody></table></div>`;
    }).join("");

    const limits = status.rateLimitPolicies || [];
    document.querySelector("#ratelimits tbody").innerHTML = limits.map(p => {
      const key = `ratelimit/${p.name}`;
      const last = previous.get(key);
      const rate = last && now > last.at ? (p.rejected - last.total) / ((now - last.at) / 1000) : null;
      previous.set(key, { at: now, total: p.rejected, failures: 0, buckets: [] });
      return `<tr data-policy="${escapeHtml(p.name)}"><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.store)}</td><td>${escapeHtml(p.partition)}</td>
        <td>${escapeHtml(p.limits.map(l => `${l.permitLimit} / ${l.windowSeconds} s`).join(", "))}</td>
        <td class="num accepted">${p.accepted}</td><td class="num rejected">${p.rejected}</td><td class="num">${text(rate, 1)}</td></tr>`;
    }).join("") || '<tr><td colspan="7">no EdgeKit rate-limit policies</td></tr>';

    // The shared configuration this instance applies (configuration store), and the last version it refused.
    const config = status.configuration;
    const configuration = document.getElementById("configuration");
    configuration.hidden = !config;
    if (config) {
      configuration.dataset.version = config.appliedVersion ?? "";
      configuration.dataset.refused = config.lastApplyError ? config.lastApplyError.version : "";
      configuration.textContent = (config.appliedVersion === null ? "configuration from file" : `configuration v${config.appliedVersion} (${config.source})`)
        + (config.storeReachable ? "" : " · store unreachable")
        + (config.lastApplyError ? ` · v${config.lastApplyError.version} refused: ${config.lastApplyError.errors.join(" ")}` : "");
    }

    document.querySelector("#routes tbody").innerHTML = status.routes.map(r => `<tr data-route="${escapeHtml(r.id)}">
      <td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.path)}</td><td>${escapeHtml(r.methods.join(", ") || "any")}</td>
      <td>${escapeHtml(r.cluster || r.aggregate || "")}</td>
      <td>${escapeHtml([r.authorizationPolicy && "auth: " + r.authorizationPolicy, r.rateLimiterPolicy && "rate: " + r.rateLimiterPolicy, r.cachePolicy && "cache: " + r.cachePolicy].filter(Boolean).join(" · "))}</td>
      <td class="num">${text(r.timeoutSeconds)} s</td></tr>`).join("");
  }

  async function poll() {
    const state = document.getElementById("state");
    try {
      const response = await fetch("status.json", { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) throw new Error(`status ${response.status}`);
      render(await response.json());
      state.dataset.state = "live";
      state.textContent = `live · ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      state.dataset.state = "error";
      state.textContent = `not updating: ${error.message}`;
    } finally {
      setTimeout(poll, intervalMs);
    }
  }

  poll();
})();
