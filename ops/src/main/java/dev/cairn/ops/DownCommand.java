package dev.cairn.ops;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Stops the nodes a {@code cairn up} started, by the pids it recorded. */
@Command(name = "down", description = "Stop the local cluster started by 'cairn up'.")
final class DownCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      defaultValue = ".cairn",
      description = "Directory of the cluster (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Path pidFile = dataDir.resolve(LocalCluster.PID_FILE);
    if (!Files.exists(pidFile)) {
      System.err.println("error: no cluster is running from " + dataDir + " (no " + pidFile + ")");
      return 1;
    }
    List<String> lines = Files.readAllLines(pidFile);
    for (String line : lines) {
      String[] parts = line.trim().split("\\s+");
      long pid = Long.parseLong(parts[1]);
      ProcessHandle.of(pid)
          .ifPresent(
              p -> {
                p.destroy();
                try {
                  p.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                  p.destroyForcibly();
                }
                System.out.println("stopped " + parts[0] + " (pid " + pid + ")");
              });
    }
    Files.deleteIfExists(pidFile);
    return 0;
  }
}
