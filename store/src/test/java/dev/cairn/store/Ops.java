package dev.cairn.store;

import java.util.ArrayList;
import java.util.List;

/**
 * A one-line spelling of request ops for the tables:
 *
 * <pre>
 *   put a          put a=1          del a          del a..c (the range [a, c))
 *   get a          txn{put a; put b | put c}   (success | failure, no compares)
 * </pre>
 *
 * Ops are separated by {@code ;}; a put without a value writes "v".
 */
final class Ops {
  private final String s;
  private int i;

  private Ops(String s) {
    this.s = s;
  }

  static List<RequestOp> parse(String text) {
    Ops p = new Ops(text == null ? "" : text);
    List<RequestOp> ops = p.list();
    if (p.i != p.s.length()) {
      throw new IllegalArgumentException("unexpected '" + p.s.substring(p.i) + "' in " + text);
    }
    return ops;
  }

  private List<RequestOp> list() {
    List<RequestOp> ops = new ArrayList<>();
    skip();
    while (i < s.length() && s.charAt(i) != '|' && s.charAt(i) != '}') {
      ops.add(op());
      skip();
      if (i < s.length() && s.charAt(i) == ';') {
        i++;
        skip();
      }
    }
    return ops;
  }

  private RequestOp op() {
    if (s.startsWith("txn{", i)) {
      i += 4;
      List<RequestOp> then = list();
      List<RequestOp> otherwise = List.of();
      if (s.charAt(i) == '|') {
        i++;
        otherwise = list();
      }
      expect('}');
      return new Command.Txn(List.of(), then, otherwise);
    }
    String verb = word();
    skip();
    String arg = word();
    switch (verb) {
      case "put" -> {
        int eq = arg.indexOf('=');
        return eq < 0
            ? Bytes.put(arg, "v")
            : Bytes.put(arg.substring(0, eq), arg.substring(eq + 1));
      }
      case "del" -> {
        int dots = arg.indexOf("..");
        return dots < 0
            ? Bytes.del(arg)
            : Bytes.del(arg.substring(0, dots), arg.substring(dots + 2));
      }
      case "get" -> {
        int dots = arg.indexOf("..");
        return dots < 0
            ? Bytes.range(arg, null)
            : Bytes.range(arg.substring(0, dots), arg.substring(dots + 2));
      }
      default -> throw new IllegalArgumentException("unknown op " + verb + " in " + s);
    }
  }

  private String word() {
    int start = i;
    while (i < s.length() && " ;|{}".indexOf(s.charAt(i)) < 0) {
      i++;
    }
    return s.substring(start, i);
  }

  private void skip() {
    while (i < s.length() && s.charAt(i) == ' ') {
      i++;
    }
  }

  private void expect(char c) {
    if (i >= s.length() || s.charAt(i) != c) {
      throw new IllegalArgumentException("expected " + c + " at " + i + " in " + s);
    }
    i++;
  }
}
