package dev.cairn.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real etcd cluster on this machine (the {@code etcd} binary on PATH, e.g. Debian's {@code
 * etcd-server}), for side-by-side runs. Same port scheme as {@link LocalCluster}.
 */
final class EtcdCluster implements AutoCloseable {
  private final Path dir;
  private final int nodes;
  private final int basePort;
  private final List<Process> processes = new ArrayList<>();

  EtcdCluster(Path dir, int nodes, int basePort) {
    this.dir = dir;
    this.nodes = nodes;
    this.basePort = basePort;
  }

  private int clientPort(int i) {
    return basePort + 10 * i;
  }

  String endpoints() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      out.add("http://127.0.0.1:" + clientPort(i));
    }
    return String.join(",", out);
  }

  void start() throws IOException {
    String cluster =
        java.util.stream.IntStream.range(0, nodes)
            .mapToObj(i -> "e" + (i + 1) + "=http://127.0.0.1:" + (clientPort(i) + 1))
            .collect(Collectors.joining(","));
    Files.createDirectories(dir);
    for (int i = 0; i < nodes; i++) {
      String name = "e" + (i + 1);
      String client = "http://127.0.0.1:" + clientPort(i);
      String peer = "http://127.0.0.1:" + (clientPort(i) + 1);
      List<String> cmd =
          List.of(
              "etcd",
              "--name",
              name,
              "--data-dir",
              dir.resolve(name).toString(),
              "--listen-client-urls",
              client,
              "--advertise-client-urls",
              client,
              "--listen-peer-urls",
              peer,
              "--initial-advertise-peer-urls",
              peer,
              "--initial-cluster",
              cluster,
              "--initial-cluster-state",
              "new",
              "--initial-cluster-token",
              "cairn-bench");
      processes.add(
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve(name + ".log").toFile())
              .start());
    }
  }

  List<Process> processes() {
    return processes;
  }

  @Override
  public void close() {
    processes.forEach(Process::destroy);
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static boolean available() {
    try {
      Process p = new ProcessBuilder("etcd", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static Duration startTimeout() {
    return Duration.ofSeconds(60);
  }
}
