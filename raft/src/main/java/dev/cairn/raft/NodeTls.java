package dev.cairn.raft;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * A node's TLS, as etcd's flags set it: one side for clients ({@code --cert-file --key-file
 * --trusted-ca-file --client-cert-auth}) and one for peers ({@code --peer-cert-file ...}). A null
 * side is plaintext. Keys are PKCS#8 PEM, certificates PEM.
 */
public record NodeTls(Side client, Side peer) {
  public static final NodeTls NONE = new NodeTls(null, null);

  /** Certificate and key to present, CA to trust, and whether the other end must present one. */
  public record Side(Path cert, Path key, Path trustedCa, boolean requireClientCert) {
    public Side {
      for (Path p : new Path[] {cert, key}) {
        if (p == null || !Files.isReadable(p)) {
          throw new IllegalArgumentException("TLS file missing or unreadable: " + p);
        }
      }
      if (trustedCa != null && !Files.isReadable(trustedCa)) {
        throw new IllegalArgumentException("TLS file missing or unreadable: " + trustedCa);
      }
      if (requireClientCert && trustedCa == null) {
        throw new IllegalArgumentException(
            "client certificate authentication needs a trusted CA file");
      }
    }
  }

  /**
   * Reads etcd's TLS flags from a flag map ({@code cert-file}, {@code peer-cert-file}, ...); a side
   * with no certificate is plaintext.
   */
  public static NodeTls fromFlags(Map<String, String> flags) {
    return new NodeTls(side(flags, ""), side(flags, "peer-"));
  }

  private static Side side(Map<String, String> flags, String prefix) {
    String cert = flags.get(prefix + "cert-file");
    String key = flags.get(prefix + "key-file");
    String ca = flags.get(prefix + "trusted-ca-file");
    boolean auth = Boolean.parseBoolean(flags.getOrDefault(prefix + "client-cert-auth", "false"));
    if (cert == null && key == null) {
      if (ca != null || auth) {
        throw new IllegalArgumentException(
            "--"
                + prefix
                + "trusted-ca-file/--"
                + prefix
                + "client-cert-auth need --"
                + prefix
                + "cert-file and --"
                + prefix
                + "key-file");
      }
      return null;
    }
    if (cert == null || key == null) {
      throw new IllegalArgumentException(
          "--" + prefix + "cert-file and --" + prefix + "key-file go together");
    }
    return new Side(Path.of(cert), Path.of(key), ca == null ? null : Path.of(ca), auth);
  }

  /** The client port's TLS, or null for plaintext. */
  SslContext clientSslContext() throws IOException {
    if (client == null) {
      return null;
    }
    var b = GrpcSslContexts.forServer(client.cert().toFile(), client.key().toFile());
    if (client.trustedCa() != null) {
      b.trustManager(client.trustedCa().toFile());
    }
    b.clientAuth(client.requireClientCert() ? ClientAuth.REQUIRE : ClientAuth.NONE);
    return b.build();
  }

  /**
   * Ratis's parameters for peer TLS: the same certificate serves the peer port and identifies this
   * member to the others (mutual TLS when {@code --peer-client-cert-auth}).
   */
  Parameters ratisParameters() {
    Parameters p = new Parameters();
    if (peer != null) {
      if (peer.trustedCa() == null) {
        throw new IllegalArgumentException("peer TLS needs --peer-trusted-ca-file");
      }
      GrpcTlsConfig tls =
          new GrpcTlsConfig(
              peer.key().toFile(),
              peer.cert().toFile(),
              peer.trustedCa().toFile(),
              peer.requireClientCert());
      GrpcConfigKeys.Server.setTlsConf(p, tls);
      GrpcConfigKeys.Client.setTlsConf(p, tls);
      GrpcConfigKeys.Admin.setTlsConf(p, tls);
      GrpcConfigKeys.TLS.setConf(p, tls);
    }
    return p;
  }
}
