package dev.cairn.raft;

import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counting;
import org.apache.ratis.thirdparty.com.codahale.metrics.Gauge;
import org.apache.ratis.thirdparty.com.codahale.metrics.Histogram;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Sampling;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

/**
 * Ratis's own metrics of one member, in the Prometheus text format, for the end of {@code
 * /metrics}.
 *
 * <p>Ratis keeps its metrics in Dropwizard registries of one process-wide {@link MetricRegistries},
 * one registry per component and member, named {@code
 * ratis.<component>.<member>@group-<id>.<metric>}. The registries whose member is this one are
 * written out as {@code ratis_<component>_<metric>} with the group as a label, so that several
 * members in one process (as in the tests) each show their own; a metric Ratis keeps per other
 * member, with that member's id in its name, gets the id as a {@code peer} label instead:
 *
 * <pre>
 *   ratis.log_worker.a1b2@group-5E6F.flushTime      (Timer, ns)  ──▶
 *     ratis_log_worker_flushTime_seconds{group="group-5E6F",quantile="0.5"} 1.2E-4
 *     ratis_log_worker_flushTime_seconds_count{group="group-5E6F"} 5123
 *   ratis.server.a1b2@group-5E6F.numPendingRequestInQueue  (Gauge)  ──▶
 *     ratis_server_numPendingRequestInQueue{group="group-5E6F"} 0
 *   ratis.log_appender.a1b2@group-5E6F.follower_c3d4e5f6a7b8c9d0_match_index  ──▶
 *     ratis_log_appender_follower_match_index{group="group-5E6F",peer="c3d4e5f6a7b8c9d0"} 1042
 * </pre>
 *
 * Timers become summaries in seconds (quantiles of Dropwizard's sampled reservoir, and the count);
 * histograms summaries of their own unit; counters and meters counters; gauges with a number or a
 * boolean gauges. A metric whose name repeats an earlier one of another type is left out.
 */
final class RatisMetricsText {
  private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

  private final String member;

  /**
   * @param member this member's Raft peer id, as Ratis writes it in its registries' prefixes
   */
  RatisMetricsText(String member) {
    this.member = member;
  }

  /** The text of every Ratis metric of this member, each family with its TYPE line. */
  String scrape() {
    // family name → (TYPE, lines); sorted so that one family's samples stay together
    SortedMap<String, Family> families = new TreeMap<>();
    for (RatisMetricRegistry r : MetricRegistries.global().getMetricRegistries()) {
      MetricRegistryInfo info = r.getMetricRegistryInfo();
      String group = groupOf(info.getPrefix());
      if (group == null || !(r instanceof RatisMetricRegistryImpl impl)) {
        continue;
      }
      String component = info.getApplicationName() + "_" + info.getMetricsComponentName();
      String registryName =
          info.getApplicationName() + "." + info.getMetricsComponentName() + "." + info.getPrefix();
      String labels = "group=\"" + escape(group) + "\"";
      for (Map.Entry<String, Metric> e :
          impl.getDropWizardMetricRegistry().getMetrics().entrySet()) {
        String metric = e.getKey();
        if (metric.startsWith(registryName + ".")) {
          metric = metric.substring(registryName.length() + 1);
        }
        String name = sanitize(component + "_" + metric);
        String peer = peerIn(name);
        if (peer != null) {
          name = name.replace("_" + peer, "");
          add(families, name, labels + ",peer=\"" + peer + "\"", e.getValue());
        } else {
          add(families, name, labels, e.getValue());
        }
      }
    }
    StringBuilder out = new StringBuilder();
    families.forEach(
        (name, f) ->
            out.append("# TYPE ")
                .append(name)
                .append(' ')
                .append(f.type)
                .append('\n')
                .append(f.lines));
    return out.toString();
  }

  /**
   * The group of a registry prefix {@code <member>@group-<id>} that is this member's, else null
   * (another member's in the same process, or a client's).
   */
  String groupOf(String prefix) {
    if (prefix == null || !prefix.startsWith(member + "@")) {
      return null;
    }
    return prefix.substring(member.length() + 1);
  }

  /**
   * The peer id inside a metric name, as Ratis writes the metrics it keeps per other member ({@code
   * follower_<peer>_match_index}, {@code log_appender_<peer>_latency}): a segment of 8 to 16
   * lower-case hex digits with at least one digit (Cairn's peer ids are member ids in hex).
   */
  static String peerIn(String name) {
    for (String segment : name.split("_")) {
      if (segment.length() >= 8
          && segment.length() <= 16
          && segment.chars().allMatch(c -> Character.isDigit(c) || (c >= 'a' && c <= 'f'))
          && segment.chars().anyMatch(Character::isDigit)) {
        return segment;
      }
    }
    return null;
  }

  private static final class Family {
    final String type;
    final StringBuilder lines = new StringBuilder();

    Family(String type) {
      this.type = type;
    }
  }

  private static void add(
      SortedMap<String, Family> families, String name, String labels, Metric m) {
    if (m instanceof Timer t) {
      summary(families, name + "_seconds", labels, t, 1e9);
    } else if (m instanceof Histogram h) {
      summary(families, name, labels, h, 1);
    } else if (m instanceof Counting c) { // counters and meters
      sample(family(families, name + "_total", "counter"), name + "_total", labels, c.getCount());
    } else if (m instanceof Gauge<?> g) {
      Double v = number(g);
      if (v != null) {
        sample(family(families, name, "gauge"), name, labels, v);
      }
    }
  }

  private static <M extends Sampling & Counting> void summary(
      SortedMap<String, Family> families, String name, String labels, M m, double divisor) {
    Family f = family(families, name, "summary");
    if (f == null) {
      return;
    }
    Snapshot snapshot = m.getSnapshot();
    for (double q : QUANTILES) {
      sample(f, name, labels + ",quantile=\"" + q + "\"", snapshot.getValue(q) / divisor);
    }
    sample(f, name + "_count", labels, m.getCount());
  }

  /** The family of that name, made if new; null if the name is taken by another type. */
  private static Family family(SortedMap<String, Family> families, String name, String type) {
    Family f = families.computeIfAbsent(name, n -> new Family(type));
    return f.type.equals(type) ? f : null;
  }

  private static void sample(Family f, String name, String labels, double value) {
    if (f == null) {
      return;
    }
    f.lines.append(name).append('{').append(labels).append("} ").append(format(value)).append('\n');
  }

  private static Double number(Gauge<?> g) {
    Object v;
    try {
      v = g.getValue();
    } catch (RuntimeException e) {
      return null; // a gauge of a member part that is closing
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof Boolean b) {
      return b ? 1.0 : 0.0;
    }
    return null;
  }

  private static String format(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%d", (long) v);
    }
    return Double.toString(v);
  }

  /** A Prometheus metric name: letters, digits and underscores, not starting with a digit. */
  static String sanitize(String name) {
    StringBuilder b = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == ':');
      b.append(ok ? c : '_');
    }
    if (b.length() == 0 || Character.isDigit(b.charAt(0))) {
      b.insert(0, '_');
    }
    return b.toString();
  }

  private static String escape(String label) {
    return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
