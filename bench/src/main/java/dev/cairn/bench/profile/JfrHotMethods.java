package dev.cairn.bench.profile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The hottest methods of a Flight Recorder file: execution and native-method samples counted by the
 * method on top of the stack (self) and by every method on it (inclusive), optionally only for
 * threads whose name contains a filter. Native samples matter here: RocksDB's JNI calls show up as
 * {@code org.rocksdb.*0} methods.
 *
 * <pre>
 *   java -XX:StartFlightRecording=filename=run.jfr,settings=profile -jar cairn-bench-….jar …
 *   java -cp cairn-bench-….jar dev.cairn.bench.profile.JfrHotMethods run.jfr [thread-filter] [rows]
 * </pre>
 */
public final class JfrHotMethods {
  private JfrHotMethods() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: JfrHotMethods file.jfr [thread-name-filter] [rows]");
      System.exit(2);
    }
    String filter = args.length > 1 ? args[1] : "";
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 25;
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    int samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      String type = e.getEventType().getName();
      if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
        continue;
      }
      RecordedThread thread = e.getThread("sampledThread");
      RecordedStackTrace stack = e.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      String name = thread == null ? "" : String.valueOf(thread.getJavaName());
      if (!name.contains(filter)) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = stack.getFrames();
      self.merge(method(frames.get(0)), 1, Integer::sum);
      Set<String> seen = new HashSet<>();
      for (RecordedFrame f : frames) {
        if (seen.add(method(f))) {
          inclusive.merge(method(f), 1, Integer::sum);
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%,d samples%s%n",
        samples,
        filter.isEmpty() ? "" : " in threads *" + filter + "*");
    print("self", self, samples, rows);
    print("inclusive", inclusive, samples, rows);
  }

  private static String method(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static void print(String title, Map<String, Integer> counts, int samples, int rows) {
    System.out.println("-- " + title);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(rows)
        .forEach(
            c ->
                System.out.printf(
                    Locale.ROOT, "%5.1f%%  %s%n", 100.0 * c.getValue() / samples, c.getKey()));
  }
}
