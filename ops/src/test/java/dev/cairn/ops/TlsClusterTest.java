package dev.cairn.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node cluster with mutual TLS for clients and peers, using the certificates {@code cairn
 * certs} writes: a client with the CA and a client certificate works; without a client certificate,
 * or without TLS, it is refused.
 */
class TlsClusterTest {
  @TempDir Path dir;

  static ByteSequence b(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void mutualTlsForClientsAndPeers() throws Exception {
    Path certs = dir.resolve("pki");
    Cli.Run made =
        Cli.run("certs", "--out", certs.toString(), "n1=127.0.0.1", "n2=127.0.0.1", "n3=127.0.0.1");
    assertThat(made.exit()).as(made.toString()).isZero();

    LocalCluster cluster = new LocalCluster(dir.resolve("data"), 3, Ports.freeBase(3), certs);
    try (TestCluster tls = TestCluster.start(cluster)) {
      String endpoints = tls.endpoints();
      assertThat(endpoints).startsWith("https://");
      try (Client c =
          Client.builder()
              .endpoints(endpoints.split(","))
              .sslContext(
                  ssl ->
                      ssl.trustManager(certs.resolve("ca.crt").toFile())
                          .keyManager(
                              certs.resolve("client.crt").toFile(),
                              certs.resolve("client.key").toFile()))
              .build()) {
        c.getKVClient().put(b("secure"), b("yes")).get(20, TimeUnit.SECONDS);
        assertThat(
                c.getKVClient()
                    .get(b("secure"))
                    .get(20, TimeUnit.SECONDS)
                    .getKvs()
                    .get(0)
                    .getValue())
            .isEqualTo(b("yes"));
      }

      // the cairn command with --cacert/--cert/--key
      Cli.Run get =
          Cli.run(
              "kv",
              "get",
              "secure",
              "-o",
              "json",
              "--endpoints",
              endpoints,
              "--cacert",
              certs.resolve("ca.crt").toString(),
              "--cert",
              certs.resolve("client.crt").toString(),
              "--key",
              certs.resolve("client.key").toString());
      assertThat(get.exit()).as(get.toString()).isZero();
      assertThat(get.json().get(0).get("value").asText()).isEqualTo("yes");

      // no client certificate: refused by --client-cert-auth
      try (Client anonymous =
          Client.builder()
              .endpoints(tls.firstEndpoint())
              .sslContext(ssl -> ssl.trustManager(certs.resolve("ca.crt").toFile()))
              .build()) {
        assertThatThrownBy(() -> anonymous.getKVClient().get(b("secure")).get(5, TimeUnit.SECONDS))
            .isInstanceOf(Exception.class);
      }
      // plaintext: refused
      try (Client plain =
          Client.builder().endpoints(tls.firstEndpoint().replace("https://", "http://")).build()) {
        assertThatThrownBy(() -> plain.getKVClient().get(b("secure")).get(5, TimeUnit.SECONDS))
            .isInstanceOf(Exception.class);
      }
    }
  }
}
