package dev.cairn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn up --detach} starts a cluster, {@code cairn down} stops it, data survives. */
class UpDownTest {
  @TempDir Path dir;

  @Test
  void upDownAndUpAgainKeepsTheData() throws Exception {
    Path data = dir.resolve("cluster");
    String base = Integer.toString(Ports.freeBase(3));
    try {
      Cli.Run up =
          Cli.run(
              "up", "--nodes", "3", "--data-dir", data.toString(), "--base-port", base, "--detach");
      assertThat(up.exit()).as(up.toString()).isZero();
      String endpoints =
          up.out()
              .lines()
              .filter(l -> l.startsWith("endpoints: "))
              .findFirst()
              .orElseThrow()
              .substring("endpoints: ".length());
      assertThat(endpoints.split(",")).hasSize(3);
      assertThat(up.out()).contains("etcdctl --endpoints " + endpoints);
      List<Long> pids = pids(data);
      assertThat(pids).hasSize(3).allMatch(p -> ProcessHandle.of(p).isPresent());

      assertThat(Cli.run("kv", "put", "survives", "yes", "--endpoints", endpoints).exit()).isZero();

      Cli.Run down = Cli.run("down", "--data-dir", data.toString());
      assertThat(down.exit()).as(down.toString()).isZero();
      assertThat(pids).allMatch(p -> ProcessHandle.of(p).isEmpty());
      assertThat(data.resolve(LocalCluster.PID_FILE)).doesNotExist();

      Cli.Run again =
          Cli.run(
              "up", "--nodes", "3", "--data-dir", data.toString(), "--base-port", base, "--detach");
      assertThat(again.exit()).as(again.toString()).isZero();
      Cli.Run get = Cli.run("kv", "get", "survives", "-o", "json", "--endpoints", endpoints);
      assertThat(get.exit()).as(get.toString()).isZero();
      assertThat(get.json().get(0).get("value").asText()).isEqualTo("yes");
    } finally {
      if (Files.exists(data.resolve(LocalCluster.PID_FILE))) {
        Cli.run("down", "--data-dir", data.toString());
      }
    }
  }

  @Test
  void refusesAnEvenClusterAndADownWithNothingRunning() {
    Cli.Run up = Cli.run("up", "--nodes", "2", "--data-dir", dir.toString());
    assertThat(up.exit()).isEqualTo(2);
    assertThat(up.err()).contains("--nodes must be 1, 3 or 5");
    Cli.Run down = Cli.run("down", "--data-dir", dir.toString());
    assertThat(down.exit()).isEqualTo(1);
    assertThat(down.err()).contains("no cluster is running");
  }

  private static List<Long> pids(Path data) throws Exception {
    return Files.readAllLines(data.resolve(LocalCluster.PID_FILE)).stream()
        .map(l -> Long.parseLong(l.trim().split("\\s+")[1]))
        .toList();
  }
}
