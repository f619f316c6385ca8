package dev.cairn.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints command results as an aligned table (for people) or as JSON or YAML (for programs). */
final class Output {
  enum Format {
    table,
    json,
    yaml
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

  private final Format format;
  private final PrintStream out;

  Output(Format format) {
    this(format, System.out);
  }

  Output(Format format, PrintStream out) {
    this.format = format;
    this.out = out;
  }

  static Map<String, Object> row(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    return m;
  }

  /** Prints rows: a table with one column per key, or a JSON/YAML list (an object if one row). */
  void rows(List<Map<String, Object>> rows) throws Exception {
    switch (format) {
      case json -> out.println(JSON.writeValueAsString(rows));
      case yaml -> out.print(YAML.writeValueAsString(rows));
      case table -> table(rows);
    }
  }

  void object(Map<String, Object> row) throws Exception {
    switch (format) {
      case json -> out.println(JSON.writeValueAsString(row));
      case yaml -> out.print(YAML.writeValueAsString(row));
      case table -> table(List.of(row));
    }
  }

  private void table(List<Map<String, Object>> rows) {
    if (rows.isEmpty()) {
      return;
    }
    List<String> headers = new ArrayList<>(rows.get(0).keySet());
    int[] widths = new int[headers.size()];
    for (int i = 0; i < headers.size(); i++) {
      widths[i] = headers.get(i).length();
      for (Map<String, Object> r : rows) {
        widths[i] = Math.max(widths[i], String.valueOf(r.get(headers.get(i))).length());
      }
    }
    StringBuilder sep = new StringBuilder("+");
    for (int w : widths) {
      sep.append("-".repeat(w + 2)).append('+');
    }
    out.println(sep);
    out.println(
        line(headers.stream().map(h -> h.toUpperCase(java.util.Locale.ROOT)).toList(), widths));
    out.println(sep);
    for (Map<String, Object> r : rows) {
      out.println(line(headers.stream().map(h -> String.valueOf(r.get(h))).toList(), widths));
    }
    out.println(sep);
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < cells.size(); i++) {
      b.append(' ').append(cells.get(i)).append(" ".repeat(widths[i] - cells.get(i).length()));
      b.append(" |");
    }
    return b.toString();
  }
}
