package dev.cairn.ops;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/**
 * What every client command shares: where the cluster is, how to talk to it, how to print. The
 * default endpoints are those of the cluster {@code cairn up} started from this directory.
 */
final class ClientOptions {
  static final Path DEFAULT_DIR = Path.of(".cairn");
  static final String ENDPOINTS_FILE = "endpoints";

  @Option(
      names = "--endpoints",
      split = ",",
      description = "Comma-separated client URLs (default: the cluster 'cairn up' started here).")
  List<String> endpoints;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "Output format: table, json or yaml (default: ${DEFAULT-VALUE}).")
  Output.Format output;

  @Option(
      names = "--command-timeout",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Timeout for one request (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--cacert", description = "CA bundle to verify servers with (enables TLS).")
  Path cacert;

  @Option(names = "--cert", description = "Client certificate for mutual TLS.")
  Path cert;

  @Option(names = "--key", description = "Client private key (PKCS#8 PEM) for mutual TLS.")
  Path key;

  List<String> endpoints() throws IOException {
    if (endpoints != null && !endpoints.isEmpty()) {
      return endpoints;
    }
    Path file = DEFAULT_DIR.resolve(ENDPOINTS_FILE);
    if (Files.exists(file)) {
      return Arrays.asList(Files.readString(file).trim().split(","));
    }
    return List.of("http://127.0.0.1:2379");
  }

  Client connect() throws IOException {
    return connect(endpoints());
  }

  /** A client of exactly these endpoints, with this command's TLS settings. */
  Client connect(List<String> targets) throws IOException {
    ClientBuilder b = Client.builder().endpoints(targets.toArray(String[]::new));
    if (cacert != null) {
      b.sslContext(
          ssl -> {
            ssl.trustManager(cacert.toFile());
            if (cert != null && key != null) {
              ssl.keyManager(cert.toFile(), key.toFile());
            }
          });
    }
    return b.build();
  }

  Output out() {
    return new Output(output);
  }

  <T> T await(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause.getCause() != null
          && cause.getMessage() != null
          && !cause.getMessage().startsWith("etcdserver")) {
        cause = cause.getCause();
      }
      throw new IllegalStateException(message(cause), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("request timed out after " + timeout, e);
    }
  }

  private static String message(Throwable t) {
    String m = t.getMessage();
    if (m == null) {
      return t.getClass().getSimpleName();
    }
    int i = m.indexOf("etcdserver:");
    return i >= 0 ? m.substring(i) : m;
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
