package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The real etcdctl (Debian's etcd-client) against a Cairn cluster. Skipped when it is missing. */
class EtcdctlTest {
  @RegisterExtension
  static final CairnClusterExtension CLUSTER = CairnClusterExtension.withNodes(3);

  static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

  @TempDir Path dir;

  @BeforeAll
  static void ready() throws InterruptedException {
    assumeTrue(Files.isExecutable(ETCDCTL), "etcdctl is not installed");
    CLUSTER.cluster().awaitLeader(Duration.ofSeconds(20));
  }

  static String endpoints() {
    CairnCluster c = CLUSTER.cluster();
    List<String> eps = new ArrayList<>();
    for (int i = 0; i < c.size(); i++) {
      eps.add(c.endpoint(i));
    }
    return String.join(",", eps);
  }

  static String run(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ETCDCTL.toString());
    cmd.add("--endpoints=" + endpoints());
    cmd.add("--command-timeout=10s");
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("etcdctl %s: %s", String.join(" ", args), out).isZero();
    return out;
  }

  @Test
  void putGetPrefixDelete() throws Exception {
    assertThat(run(null, "put", "/ctl/a", "1")).contains("OK");
    run(null, "put", "/ctl/b", "2");
    assertThat(run(null, "get", "/ctl/a")).isEqualTo("/ctl/a\n1\n");
    assertThat(run(null, "get", "--prefix", "/ctl/", "--keys-only"))
        .contains("/ctl/a")
        .contains("/ctl/b");
    assertThat(run(null, "del", "--prefix", "/ctl/")).startsWith("2");
  }

  @Test
  void txnFromStandardInput() throws Exception {
    run(null, "put", "/ctltxn/k", "old");
    String out =
        run(
            "value(\"/ctltxn/k\") = \"old\"\n\nput /ctltxn/k new\n\nput /ctltxn/k failed\n\n",
            "txn");
    assertThat(out).startsWith("SUCCESS");
    assertThat(run(null, "get", "/ctltxn/k", "--print-value-only")).isEqualTo("new\n");
  }

  @Test
  void watchPrintsEvents() throws Exception {
    // from the revision after now: the put below is seen however late etcdctl sets the watch up
    long from = CLUSTER.cluster().node(0).revision() + 1;
    List<String> cmd =
        List.of(
            ETCDCTL.toString(),
            "--endpoints=" + endpoints(),
            "watch",
            "--rev=" + from,
            "--prefix",
            "/ctlwatch/");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      run(null, "put", "/ctlwatch/x", "42");
      String out = readUntil(p.getInputStream(), "42", Duration.ofSeconds(10));
      assertThat(out).contains("PUT").contains("/ctlwatch/x").contains("42");
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void leaseGrantAttachTimeToLiveRevoke() throws Exception {
    String granted = run(null, "lease", "grant", "60");
    Matcher m = Pattern.compile("lease ([0-9a-f]+) granted with TTL\\(60s\\)").matcher(granted);
    assertThat(m.find()).as(granted).isTrue();
    String id = m.group(1);
    run(null, "put", "--lease=" + id, "/ctllease/k", "v");
    assertThat(run(null, "lease", "timetolive", id, "--keys"))
        .contains("granted with TTL(60s)")
        .contains("/ctllease/k");
    run(null, "lease", "keep-alive", "--once", id);
    assertThat(run(null, "lease", "list")).contains(id);
    assertThat(run(null, "lease", "revoke", id)).contains("revoked");
    assertThat(run(null, "get", "/ctllease/k")).isEmpty();
  }

  @Test
  void memberListEndpointStatusAndHealth() throws Exception {
    String members = run(null, "member", "list");
    assertThat(members.lines()).hasSize(3);
    assertThat(members).contains("n0").contains("n1").contains("n2").contains("started");
    assertThat(run(null, "endpoint", "status")).contains(CairnNode.VERSION);
    assertThat(run(null, "endpoint", "health")).contains("is healthy");
  }

  @Test
  void compactionAndDefrag() throws Exception {
    run(null, "put", "/ctlcompact/k", "1");
    String rev = run(null, "get", "/ctlcompact/k", "-w", "json");
    Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(rev);
    assertThat(m.find()).isTrue();
    assertThat(run(null, "compaction", m.group(1))).contains("compacted revision " + m.group(1));
    assertThat(run(null, "defrag")).contains("Finished defragmenting");
  }

  @Test
  void snapshotSaveWritesAnEtcdFramedFile() throws Exception {
    run(null, "put", "/ctlsnap/k", "v");
    Path file = dir.resolve("snap.db");
    String out = runOne(CLUSTER.cluster().endpoint(0), "snapshot", "save", file.toString());
    assertThat(out).contains("Snapshot saved at");
    byte[] b = Files.readAllBytes(file);
    assertThat(b.length % 512).isEqualTo(32);
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(b, b.length - 32));
    assertThat(Arrays.copyOfRange(b, b.length - 32, b.length)).isEqualTo(digest);
  }

  static String runOne(String endpoint, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ETCDCTL.toString());
    cmd.add("--endpoints=" + endpoint);
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  static String readUntil(InputStream in, String needle, Duration timeout)
      throws IOException, InterruptedException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      Await.until(
          timeout,
          () -> {
            while (in.available() > 0) {
              buf.write(in.read());
            }
            return buf.toString(StandardCharsets.UTF_8).contains(needle);
          });
    } catch (IOException | InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
