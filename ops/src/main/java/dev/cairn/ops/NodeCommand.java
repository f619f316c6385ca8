package dev.cairn.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cairn.raft.NodeMain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn node}: runs one member with etcd's flags, or the same settings from a YAML file
 * whose keys are the flag names (as etcd's {@code --config-file}); flags given on the command line
 * win over the file. On an existing data directory only {@code --data-dir} is needed.
 */
@Command(name = "node", description = "Run one Cairn member (etcd's flags, or --config-file).")
final class NodeCommand implements Callable<Integer> {
  /** Every setting a member takes, by its etcd flag name. */
  static final Set<String> SETTINGS =
      Set.of(
          "name",
          "data-dir",
          "listen-client-urls",
          "advertise-client-urls",
          "listen-peer-urls",
          "initial-advertise-peer-urls",
          "listen-metrics-urls",
          "initial-cluster",
          "initial-cluster-state",
          "initial-cluster-token",
          "quota-backend-bytes",
          "cert-file",
          "key-file",
          "trusted-ca-file",
          "client-cert-auth",
          "peer-cert-file",
          "peer-key-file",
          "peer-trusted-ca-file",
          "peer-client-cert-auth");

  @Option(names = "--config-file", description = "YAML file of settings keyed by flag name.")
  Path configFile;

  @Option(names = "--name")
  String name;

  @Option(names = "--data-dir")
  String dataDir;

  @Option(names = "--listen-client-urls")
  String listenClientUrls;

  @Option(names = "--advertise-client-urls")
  String advertiseClientUrls;

  @Option(names = "--listen-peer-urls")
  String listenPeerUrls;

  @Option(names = "--initial-advertise-peer-urls")
  String initialAdvertisePeerUrls;

  @Option(names = "--listen-metrics-urls")
  String listenMetricsUrls;

  @Option(names = "--initial-cluster")
  String initialCluster;

  @Option(names = "--initial-cluster-state", description = "new or existing")
  String initialClusterState;

  @Option(names = "--initial-cluster-token")
  String initialClusterToken;

  @Option(names = "--quota-backend-bytes", description = "NOSPACE above this size (default 2 GiB).")
  String quotaBackendBytes;

  @Option(names = "--cert-file")
  String certFile;

  @Option(names = "--key-file")
  String keyFile;

  @Option(names = "--trusted-ca-file")
  String trustedCaFile;

  @Option(names = "--client-cert-auth", arity = "0..1", fallbackValue = "true")
  String clientCertAuth;

  @Option(names = "--peer-cert-file")
  String peerCertFile;

  @Option(names = "--peer-key-file")
  String peerKeyFile;

  @Option(names = "--peer-trusted-ca-file")
  String peerTrustedCaFile;

  @Option(names = "--peer-client-cert-auth", arity = "0..1", fallbackValue = "true")
  String peerClientCertAuth;

  @Override
  public Integer call() throws Exception {
    NodeMain.main(arguments().toArray(String[]::new));
    return 0;
  }

  /** The settings from the file, overridden by the flags, as {@code --flag value} pairs. */
  List<String> arguments() throws Exception {
    Map<String, String> settings = new LinkedHashMap<>();
    if (configFile != null) {
      settings.putAll(readConfig(configFile));
    }
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put("name", name);
    flags.put("data-dir", dataDir);
    flags.put("listen-client-urls", listenClientUrls);
    flags.put("advertise-client-urls", advertiseClientUrls);
    flags.put("listen-peer-urls", listenPeerUrls);
    flags.put("initial-advertise-peer-urls", initialAdvertisePeerUrls);
    flags.put("listen-metrics-urls", listenMetricsUrls);
    flags.put("initial-cluster", initialCluster);
    flags.put("initial-cluster-state", initialClusterState);
    flags.put("initial-cluster-token", initialClusterToken);
    flags.put("quota-backend-bytes", quotaBackendBytes);
    flags.put("cert-file", certFile);
    flags.put("key-file", keyFile);
    flags.put("trusted-ca-file", trustedCaFile);
    flags.put("client-cert-auth", clientCertAuth);
    flags.put("peer-cert-file", peerCertFile);
    flags.put("peer-key-file", peerKeyFile);
    flags.put("peer-trusted-ca-file", peerTrustedCaFile);
    flags.put("peer-client-cert-auth", peerClientCertAuth);
    flags.forEach(
        (k, v) -> {
          if (v != null) {
            settings.put(k, v);
          }
        });
    String state = settings.get("initial-cluster-state");
    if (state != null && !state.equals("new") && !state.equals("existing")) {
      throw new IllegalArgumentException(
          "--initial-cluster-state must be new or existing, not '" + state + "'");
    }
    List<String> args = new ArrayList<>();
    settings.forEach(
        (k, v) -> {
          args.add("--" + k);
          args.add(v);
        });
    return args;
  }

  /** Reads a YAML map of settings; lists become comma-separated; unknown keys are an error. */
  static Map<String, String> readConfig(Path file) throws Exception {
    Map<?, ?> yaml = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class);
    Map<String, String> out = new LinkedHashMap<>();
    if (yaml == null) {
      return out;
    }
    for (Map.Entry<?, ?> e : yaml.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!SETTINGS.contains(key)) {
        throw new IllegalArgumentException(
            file
                + ": unknown setting '"
                + key
                + "' (known: "
                + new java.util.TreeSet<>(SETTINGS)
                + ")");
      }
      Object v = e.getValue();
      out.put(
          key,
          v instanceof List<?> list
              ? String.join(",", list.stream().map(String::valueOf).toList())
              : String.valueOf(v));
    }
    return out;
  }
}
