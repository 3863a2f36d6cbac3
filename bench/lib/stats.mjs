// Small statistics helpers for repeated rounds.

export function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function percentile(values, p) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}

/** "median (min-max)" spread of a list, for the table. */
export function spread(values, digits = 0) {
  const v = values.filter(Number.isFinite);
  if (!v.length) return "-";
  const f = (x) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(median(v))} (${f(Math.min(...v))}-${f(Math.max(...v))})`;
}
