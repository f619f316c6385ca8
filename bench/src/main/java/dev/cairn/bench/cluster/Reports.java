package dev.cairn.bench.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.HistogramIterationValue;

/** Prints load results: a table for people, JSON for programs, one HTML file with plots. */
public final class Reports {
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};
  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

  private Reports() {}

  /** One row per result, labelled by {@code names} (e.g. "cairn", "etcd"). */
  public static void table(PrintStream out, List<String> names, List<LoadResult> results) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "target",
          "workload",
          "ops",
          "ops/s",
          "p50 ms",
          "p90 ms",
          "p99 ms",
          "p99.9 ms",
          "max ms",
          "errors",
          "client cpu"
        });
    for (int i = 0; i < results.size(); i++) {
      LoadResult r = results.get(i);
      rows.add(
          new String[] {
            names.get(i),
            r.spec().label(),
            Long.toString(r.ops()),
            fmt(r.throughput(), 0),
            fmt(r.percentileMillis(50), 3),
            fmt(r.percentileMillis(90), 3),
            fmt(r.percentileMillis(99), 3),
            fmt(r.percentileMillis(99.9), 3),
            fmt(r.maxMillis(), 3),
            Long.toString(r.errorCount()),
            fmt(100 * r.cpuShare(), 0) + "%"
          });
    }
    int[] w = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    for (int r = 0; r < rows.size(); r++) {
      StringBuilder b = new StringBuilder("|");
      for (int i = 0; i < w.length; i++) {
        String cell = rows.get(r)[i];
        b.append(' ').append(i < 2 ? pad(cell, w[i]) : padLeft(cell, w[i])).append(" |");
      }
      out.println(b);
      if (r == 0) {
        StringBuilder sep = new StringBuilder("|");
        for (int x : w) {
          sep.append("-".repeat(x + 2)).append('|');
        }
        out.println(sep);
      }
    }
    for (int i = 0; i < results.size(); i++) {
      for (Map.Entry<String, Long> e : results.get(i).errors().entrySet()) {
        out.println("  " + names.get(i) + " error × " + e.getValue() + ": " + e.getKey());
      }
    }
  }

  public static String fmt(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String pad(String s, int w) {
    return s + " ".repeat(w - s.length());
  }

  private static String padLeft(String s, int w) {
    return " ".repeat(w - s.length()) + s;
  }

  public static Map<String, Object> json(String name, LoadResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", name);
    m.put("workload", r.spec().workload().cliName());
    m.put("label", r.spec().label());
    m.put("clients", r.spec().clients());
    m.put("conns", r.spec().conns());
    m.put("ops", r.ops());
    m.put("seconds", r.seconds());
    m.put("throughput", r.throughput());
    Map<String, Double> lat = new LinkedHashMap<>();
    for (double p : PERCENTILES) {
      lat.put("p" + fmt(p, p == Math.floor(p) ? 0 : 1), r.percentileMillis(p));
    }
    lat.put("max", r.maxMillis());
    m.put("latency_ms", lat);
    m.put("errors", r.errors());
    m.put("per_second", r.perSecond());
    m.put("client_cpu_share", r.cpuShare());
    return m;
  }

  public static String json(List<String> names, List<LoadResult> results) throws Exception {
    List<Map<String, Object>> all = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      all.add(json(names.get(i), results.get(i)));
    }
    return json(all);
  }

  /** Rows (each from {@link #json(String, LoadResult)}, perhaps with more fields) as JSON text. */
  public static String json(List<Map<String, Object>> rows) throws Exception {
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows);
  }

  /**
   * One self-contained HTML page: the table, a latency-by-percentile plot (x: percentile on the
   * usual 1/(1-p) log scale) and a throughput-over-time plot, drawn as inline SVG.
   */
  public static String html(String title, List<String> names, List<LoadResult> results) {
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><html><head><meta charset='utf-8'><title>")
        .append(esc(title))
        .append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:")
        .append("collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
        .append("th{background:#eee}svg{border:1px solid #ddd;margin:1em 0}</style></head><body>");
    h.append("<h1>").append(esc(title)).append("</h1>");
    h.append("<table><tr><th>target</th><th>workload</th><th>ops</th><th>ops/s</th>");
    for (double p : PERCENTILES) {
      h.append("<th>p").append(fmt(p, p == Math.floor(p) ? 0 : 1)).append(" ms</th>");
    }
    h.append("<th>max ms</th><th>errors</th><th>client cpu</th></tr>");
    for (int i = 0; i < results.size(); i++) {
      LoadResult r = results.get(i);
      h.append("<tr><td>")
          .append(esc(names.get(i)))
          .append("</td><td>")
          .append(esc(r.spec().label()))
          .append("</td><td>")
          .append(r.ops())
          .append("</td><td>")
          .append(fmt(r.throughput(), 0))
          .append("</td>");
      for (double p : PERCENTILES) {
        h.append("<td>").append(fmt(r.percentileMillis(p), 3)).append("</td>");
      }
      h.append("<td>")
          .append(fmt(r.maxMillis(), 3))
          .append("</td><td>")
          .append(r.errorCount())
          .append("</td><td>")
          .append(fmt(100 * r.cpuShare(), 0))
          .append("%</td></tr>");
    }
    h.append("</table>");
    h.append("<h2>Latency by percentile</h2>").append(percentilePlot(names, results));
    h.append("<h2>Throughput over time</h2>").append(timelinePlot(names, results));
    h.append("</body></html>\n");
    return h.toString();
  }

  private static String percentilePlot(List<String> names, List<LoadResult> results) {
    int width = 800;
    int height = 400;
    int left = 70;
    int bottom = 40;
    double maxX = 5; // up to 99.999%
    double maxY = 0;
    List<List<double[]>> series = new ArrayList<>();
    for (LoadResult r : results) {
      List<double[]> pts = new ArrayList<>();
      if (r.latencyMicros().getTotalCount() > 0) {
        for (HistogramIterationValue v : r.latencyMicros().percentiles(5)) {
          double p = v.getPercentileLevelIteratedTo() / 100.0;
          double x = p >= 1 ? maxX : Math.min(maxX, Math.log10(1 / (1 - p)));
          double y = v.getValueIteratedTo() / 1000.0;
          pts.add(new double[] {x, y});
          maxY = Math.max(maxY, y);
        }
      }
      series.add(pts);
    }
    maxY = maxY <= 0 ? 1 : maxY * 1.05;
    StringBuilder s = svgStart(width, height);
    axes(s, width, height, left, bottom);
    String[] xLabels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
    for (int i = 0; i <= 5; i++) {
      double x = left + (width - left - 20) * i / maxX;
      s.append(text(x, height - bottom + 18, xLabels[i], "middle"));
    }
    yTicks(s, width, height, left, bottom, maxY, "ms");
    for (int i = 0; i < series.size(); i++) {
      s.append(polyline(series.get(i), width, height, left, bottom, maxX, maxY, COLORS[i % 5]));
    }
    legend(s, names, results, left);
    return s.append("</svg>").toString();
  }

  private static String timelinePlot(List<String> names, List<LoadResult> results) {
    int width = 800;
    int height = 300;
    int left = 70;
    int bottom = 40;
    double maxX = 1;
    double maxY = 0;
    List<List<double[]>> series = new ArrayList<>();
    for (LoadResult r : results) {
      List<double[]> pts = new ArrayList<>();
      long[] ps = r.perSecond();
      for (int i = 0; i < ps.length; i++) {
        pts.add(new double[] {i + 0.5, ps[i]});
        maxY = Math.max(maxY, ps[i]);
      }
      maxX = Math.max(maxX, ps.length);
      series.add(pts);
    }
    maxY = maxY <= 0 ? 1 : maxY * 1.1;
    StringBuilder s = svgStart(width, height);
    axes(s, width, height, left, bottom);
    for (int i = 0; i <= 5; i++) {
      double x = left + (width - left - 20) * i / 5.0;
      s.append(text(x, height - bottom + 18, fmt(maxX * i / 5, 0) + " s", "middle"));
    }
    yTicks(s, width, height, left, bottom, maxY, "ops/s");
    for (int i = 0; i < series.size(); i++) {
      s.append(polyline(series.get(i), width, height, left, bottom, maxX, maxY, COLORS[i % 5]));
    }
    legend(s, names, results, left);
    return s.append("</svg>").toString();
  }

  private static StringBuilder svgStart(int width, int height) {
    return new StringBuilder(
        "<svg xmlns='http://www.w3.org/2000/svg' width='"
            + width
            + "' height='"
            + height
            + "' font-size='12'>");
  }

  private static void axes(StringBuilder s, int width, int height, int left, int bottom) {
    s.append(
        String.format(
            Locale.ROOT,
            "<line x1='%d' y1='10' x2='%d' y2='%d' stroke='#333'/><line x1='%d' y1='%d' x2='%d'"
                + " y2='%d' stroke='#333'/>",
            left,
            left,
            height - bottom,
            left,
            height - bottom,
            width - 20,
            height - bottom));
  }

  private static void yTicks(
      StringBuilder s, int width, int height, int left, int bottom, double maxY, String unit) {
    for (int i = 0; i <= 4; i++) {
      double y = height - bottom - (height - bottom - 10) * i / 4.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#eee'/>",
              left,
              y,
              width - 20,
              y));
      s.append(text(left - 6, y + 4, fmt(maxY * i / 4, maxY < 10 ? 2 : 0), "end"));
    }
    s.append(text(14, 16, unit, "start"));
  }

  private static String polyline(
      List<double[]> pts,
      int width,
      int height,
      int left,
      int bottom,
      double maxX,
      double maxY,
      String color) {
    StringBuilder p = new StringBuilder("<polyline fill='none' stroke-width='2' stroke='");
    p.append(color).append("' points='");
    for (double[] pt : pts) {
      double x = left + (width - left - 20) * pt[0] / maxX;
      double y = height - bottom - (height - bottom - 10) * pt[1] / maxY;
      p.append(fmt(x, 1)).append(',').append(fmt(y, 1)).append(' ');
    }
    return p.append("'/>").toString();
  }

  private static void legend(
      StringBuilder s, List<String> names, List<LoadResult> results, int left) {
    for (int i = 0; i < names.size(); i++) {
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x='%d' y='%d' width='12' height='12' fill='%s'/>",
              left + 10,
              14 + 18 * i,
              COLORS[i % 5]));
      s.append(
          text(
              left + 28,
              24 + 18 * i,
              names.get(i) + ": " + results.get(i).spec().label(),
              "start"));
    }
  }

  private static String text(double x, double y, String t, String anchor) {
    return String.format(
        Locale.ROOT, "<text x='%.1f' y='%.1f' text-anchor='%s'>%s</text>", x, y, anchor, esc(t));
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
  }
}
