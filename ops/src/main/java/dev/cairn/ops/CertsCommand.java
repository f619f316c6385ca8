package dev.cairn.ops;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn certs}: a CA plus member and client certificates for mutual TLS, made with openssl
 * by the script {@code gen-certs.sh} that ships inside the jar.
 */
@Command(
    name = "certs",
    description =
        "Write a CA, member certificates (client+peer) and a client certificate with openssl.")
final class CertsCommand implements Callable<Integer> {
  @Option(
      names = "--out",
      defaultValue = "certs",
      description = "Directory (default: ${DEFAULT-VALUE}).")
  Path out;

  @Parameters(
      arity = "1..*",
      description = "Members as NAME=HOST or NAME=IP, e.g. n1=10.0.0.11 n2=10.0.0.12 n3=10.0.0.13.")
  List<String> members;

  @Override
  public Integer call() throws Exception {
    for (String m : members) {
      if (!m.matches("[A-Za-z0-9_.-]+=[A-Za-z0-9_.:-]+")) {
        System.err.println("error: '" + m + "' is not NAME=HOST");
        return 2;
      }
    }
    Path script = Files.createTempFile("cairn-gen-certs", ".sh");
    try (InputStream in = CertsCommand.class.getResourceAsStream("gen-certs.sh")) {
      Files.write(script, in.readAllBytes());
      List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), out.toString()));
      cmd.addAll(members);
      Process p = new ProcessBuilder(cmd).inheritIO().start();
      return p.waitFor() == 0 ? 0 : 1;
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
