package dev.cairn.raft.jepsen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Cairn member as an OS process ({@code java dev.cairn.raft.NodeMain}) with its own data
 * directory and log file. Its peers reach it through a {@link PeerProxy}: it listens for Raft on
 * {@code peerPort} and advertises the proxy's port, so the proxy can cut it off.
 *
 * <p>Every process started here is stopped by its pid: {@link #kill()} is SIGKILL, {@link #pause()}
 * and {@link #resume()} are SIGSTOP and SIGCONT.
 */
final class NodeProcess {
  final String name;
  final int clientPort;
  final int peerPort;
  final int proxyPort;
  final Path dataDir;
  final Path log;
  private Process process;
  private boolean paused;

  NodeProcess(String name, Path root, int clientPort, int peerPort, int proxyPort) {
    this.name = name;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.proxyPort = proxyPort;
    this.dataDir = root.resolve(name);
    this.log = root.resolve(name + ".log");
  }

  String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  /** The URL other members use: the proxy's. */
  String peerUrl() {
    return "http://127.0.0.1:" + proxyPort;
  }

  synchronized void start(String initialCluster, String clusterState) {
    if (isRunning()) {
      throw new IllegalStateException(name + " is running");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xmx512m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.cairn.raft.NodeMain");
    cmd.addAll(
        List.of(
            "--name",
            name,
            "--data-dir",
            dataDir.toString(),
            "--listen-client-urls",
            endpoint(),
            "--advertise-client-urls",
            endpoint(),
            "--listen-peer-urls",
            "http://127.0.0.1:" + peerPort,
            "--initial-advertise-peer-urls",
            peerUrl(),
            "--initial-cluster",
            initialCluster,
            "--initial-cluster-state",
            clusterState));
    try {
      Files.writeString(
          log,
          "---- start " + String.join(" ", cmd.subList(cmd.size() - 16, cmd.size())) + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      paused = false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** kill -9, and wait until the process is gone. */
  synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
    paused = false;
  }

  synchronized void pause() {
    signal("STOP");
    paused = true;
  }

  synchronized void resume() {
    if (paused) {
      signal("CONT");
      paused = false;
    }
  }

  private void signal(String sig) {
    if (!isRunning()) {
      throw new IllegalStateException(name + " is not running");
    }
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
      if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
        k.destroyForcibly();
        throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes a thread dump of the running member next to its log (for a member that is stuck). */
  synchronized void threadDump() {
    if (!isRunning()) {
      return;
    }
    Path out = log.resolveSibling(name + ".jstack");
    try {
      Process j =
          new ProcessBuilder("jstack", Long.toString(process.pid()))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!j.waitFor(30, TimeUnit.SECONDS)) {
        j.destroyForcibly();
      }
    } catch (IOException e) {
      // no jstack here: the log has to do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Deletes the data directory (the member must be stopped). */
  synchronized void wipe() {
    if (isRunning()) {
      throw new IllegalStateException(name + " is running");
    }
    if (!Files.exists(dataDir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dataDir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + pid() + ")";
  }
}
