package dev.cairn.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code cairn node}: settings from a YAML file, overridden by flags; bad settings refused. */
class NodeCommandTest {
  @TempDir Path dir;

  private List<String> args(String... argv) throws Exception {
    NodeCommand cmd = new NodeCommand();
    new CommandLine(cmd).parseArgs(argv);
    return cmd.arguments();
  }

  @Test
  void theShippedConfigFilesAreValidAndFlagsWin() throws Exception {
    for (int i = 1; i <= 3; i++) {
      Path shipped = Path.of("deploy", "cairn-" + i + ".yaml");
      List<String> a = args("--config-file", shipped.toString(), "--data-dir", "/elsewhere");
      assertThat(a).containsSubsequence("--name", "cairn-" + i);
      assertThat(a).containsSubsequence("--data-dir", "/elsewhere");
      assertThat(a).containsSubsequence("--client-cert-auth", "true");
      assertThat(a)
          .containsSubsequence(
              "--initial-cluster",
              "cairn-1=https://cairn-1:2380,cairn-2=https://cairn-2:2380,cairn-3=https://cairn-3:2380");
    }
  }

  @Test
  void listsBecomeCommaSeparated() throws Exception {
    Path f = dir.resolve("n.yaml");
    Files.writeString(
        f, "name: n1\nlisten-client-urls: [http://127.0.0.1:2379, http://127.0.0.1:22379]\n");
    assertThat(args("--config-file", f.toString()))
        .containsSubsequence(
            "--listen-client-urls", "http://127.0.0.1:2379,http://127.0.0.1:22379");
  }

  @Test
  void unknownSettingsAndBadStatesAreRefused() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, "name: n1\nlisten-client-url: http://x:1\n");
    assertThatThrownBy(() -> args("--config-file", f.toString()))
        .hasMessageContaining("unknown setting 'listen-client-url'");
    assertThatThrownBy(() -> args("--initial-cluster-state", "maybe"))
        .hasMessageContaining("must be new or existing");
    Cli.Run r = Cli.run("node", "--no-such-flag", "x");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--no-such-flag");
  }
}
