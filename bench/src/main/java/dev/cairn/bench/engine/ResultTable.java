package dev.cairn.bench.engine;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Prints {@link ResultRow}s as an aligned text table or as markdown. */
final class ResultTable {
  private static final String[] HEADER = {
    "workload", "setup", "measured", "throughput", "p50", "p99", "p99.9", "max", "notes"
  };

  private final List<String[]> rows = new ArrayList<>();

  void add(ResultRow r) {
    Histogram h = r.latency();
    rows.add(
        new String[] {
          r.workload(),
          r.setup(),
          count(r.measured()) + " " + r.unit(),
          r.perSecond() > 0 ? count(Math.round(r.perSecond())) + " " + r.unit() + "/s" : "",
          h == null ? "" : duration(h.getValueAtPercentile(50)),
          h == null ? "" : duration(h.getValueAtPercentile(99)),
          h == null ? "" : duration(h.getValueAtPercentile(99.9)),
          h == null ? "" : duration(h.getMaxValue()),
          r.notes()
        });
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintStream out, boolean markdown) {
    if (markdown) {
      out.println("| " + String.join(" | ", HEADER) + " |");
      out.println("|---|---|--:|--:|--:|--:|--:|--:|---|");
      for (String[] r : rows) {
        out.println("| " + String.join(" | ", r) + " |");
      }
      return;
    }
    int[] width = new int[HEADER.length];
    for (int c = 0; c < HEADER.length; c++) {
      width[c] = HEADER[c].length();
      for (String[] r : rows) {
        width[c] = Math.max(width[c], r[c].length());
      }
    }
    line(out, HEADER, width);
    String[] rule = new String[HEADER.length];
    for (int c = 0; c < HEADER.length; c++) {
      rule[c] = "-".repeat(width[c]);
    }
    line(out, rule, width);
    for (String[] r : rows) {
      line(out, r, width);
    }
  }

  private static void line(PrintStream out, String[] cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < cells.length; c++) {
      String pad = " ".repeat(width[c] - cells[c].length());
      boolean numeric = c >= 2 && c <= 7;
      b.append(numeric ? pad + cells[c] : cells[c] + pad).append("  ");
    }
    out.println(b.toString().stripTrailing());
  }

  /** 1 234 567 with thin grouping, as 1,234,567. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Nanoseconds as µs below 1 ms, else ms. */
  static String duration(long nanos) {
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
    }
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  static String bytes(long b) {
    if (b >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
    }
    return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
  }
}
