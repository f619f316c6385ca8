package dev.cairn.ops;

import static dev.cairn.ops.ClientOptions.bytes;

import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses etcdctl's transaction language: {@code mod("k") > "3"}, {@code put k v}, {@code get k}.
 */
final class TxnParser {
  private static final Pattern COMPARE =
      Pattern.compile(
          "(value|version|create|mod|c|m|val|ver)\\(\"(.*)\"\\)\\s*(=|!=|<|>)\\s*\"?(.*?)\"?");

  Cmp[] compares(List<String> lines) {
    List<Cmp> out = new ArrayList<>();
    for (String line : lines) {
      Matcher m = COMPARE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("bad compare: " + line);
      }
      String v = m.group(4);
      CmpTarget<?> target =
          switch (m.group(1)) {
            case "value", "val" -> CmpTarget.value(bytes(v));
            case "version", "ver" -> CmpTarget.version(Long.parseLong(v));
            case "create", "c" -> CmpTarget.createRevision(Long.parseLong(v));
            default -> CmpTarget.modRevision(Long.parseLong(v));
          };
      Cmp.Op op =
          switch (m.group(3)) {
            case "=" -> Cmp.Op.EQUAL;
            case "!=" -> Cmp.Op.NOT_EQUAL;
            case "<" -> Cmp.Op.LESS;
            default -> Cmp.Op.GREATER;
          };
      out.add(new Cmp(bytes(m.group(2)), op, target));
    }
    return out.toArray(Cmp[]::new);
  }

  Op[] ops(List<String> lines) {
    List<Op> out = new ArrayList<>();
    for (String line : lines) {
      List<String> words = words(line);
      if (words.size() < 2) {
        throw new IllegalArgumentException("bad request: " + line);
      }
      boolean prefix = words.contains("--prefix");
      words.remove("--prefix");
      switch (words.get(0)) {
        case "put" -> {
          if (words.size() != 3) {
            throw new IllegalArgumentException("put takes a key and a value: " + line);
          }
          out.add(Op.put(bytes(words.get(1)), bytes(words.get(2)), PutOption.DEFAULT));
        }
        case "get" ->
            out.add(Op.get(bytes(words.get(1)), GetOption.builder().isPrefix(prefix).build()));
        case "del", "delete" ->
            out.add(
                Op.delete(bytes(words.get(1)), DeleteOption.builder().isPrefix(prefix).build()));
        default -> throw new IllegalArgumentException("unknown request: " + line);
      }
    }
    return out.toArray(Op[]::new);
  }

  /** Splits on spaces, keeping double-quoted words whole. */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
    while (m.find()) {
      out.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return out;
  }
}
