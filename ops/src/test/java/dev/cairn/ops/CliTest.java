package dev.cairn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client commands against a real three-node cluster, through their JSON output. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliTest {
  @TempDir static Path dir;
  TestCluster cluster;
  String endpoints;

  @BeforeAll
  void start() throws Exception {
    cluster = TestCluster.start(dir, 3);
    endpoints = cluster.endpoints();
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  Cli.Run cairn(String... args) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--endpoints";
    all[args.length + 1] = endpoints;
    return Cli.run(all);
  }

  JsonNode json(String... args) throws Exception {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "-o";
    all[args.length + 1] = "json";
    Cli.Run r = cairn(all);
    assertThat(r.exit()).as(r.toString()).isZero();
    return r.json();
  }

  @Test
  void putGetDeleteAndRevisions() throws Exception {
    long r1 = json("kv", "put", "cli/a", "1").get("revision").asLong();
    long r2 = json("kv", "put", "cli/a", "2").get("revision").asLong();
    json("kv", "put", "cli/b", "3");
    assertThat(r2).isEqualTo(r1 + 1);

    JsonNode now = json("kv", "get", "cli/", "--prefix");
    assertThat(now).hasSize(2);
    assertThat(now.get(0).get("value").asText()).isEqualTo("2");
    assertThat(now.get(0).get("version").asLong()).isEqualTo(2);
    assertThat(now.get(0).get("create_revision").asLong()).isEqualTo(r1);

    JsonNode old = json("kv", "get", "cli/a", "--rev", Long.toString(r1));
    assertThat(old.get(0).get("value").asText()).isEqualTo("1");
    assertThat(json("kv", "get", "cli/", "--prefix", "--count-only").get("count").asLong())
        .isEqualTo(2);
    // a serializable read is answered by whichever member it reaches, which may not have applied
    // the last put yet: it converges, and never shows more than there is
    long until = System.nanoTime() + 10_000_000_000L;
    JsonNode local = json("kv", "get", "cli/", "--prefix", "--consistency", "s");
    while (local.size() < 2 && System.nanoTime() < until) {
      assertThat(local.size()).isLessThanOrEqualTo(2);
      local = json("kv", "get", "cli/", "--prefix", "--consistency", "s");
    }
    assertThat(local).hasSize(2);

    JsonNode deleted = json("kv", "del", "cli/", "--prefix", "--prev-kv");
    assertThat(deleted).hasSize(2);
    assertThat(json("kv", "get", "cli/", "--prefix")).isEmpty();
  }

  @Test
  void txnFromStandardInput() throws Exception {
    json("kv", "put", "txn/k", "old");
    InputStream stdin = System.in;
    try {
      System.setIn(
          new ByteArrayInputStream(
              "value(\"txn/k\") = \"old\"\n\nput txn/k new\n\nget txn/k\n"
                  .getBytes(StandardCharsets.UTF_8)));
      JsonNode r = json("kv", "txn");
      assertThat(r.get(0).get("result").asText()).isEqualTo("SUCCESS");
    } finally {
      System.setIn(stdin);
    }
    assertThat(json("kv", "get", "txn/k").get(0).get("value").asText()).isEqualTo("new");
  }

  @Test
  void leasesAttachKeysAndRevokeDeletesThem() throws Exception {
    JsonNode grant = json("lease", "grant", "120");
    String id = grant.get("id").asText();
    assertThat(grant.get("ttl").asLong()).isEqualTo(120);
    json("kv", "put", "leased/x", "1", "--lease", id);

    JsonNode ttl = json("lease", "ttl", id, "--keys");
    assertThat(ttl.get("granted_ttl").asLong()).isEqualTo(120);
    assertThat(ttl.get("remaining_ttl").asLong()).isBetween(1L, 120L);
    assertThat(ttl.get("keys").asText()).isEqualTo("leased/x");

    JsonNode list = json("lease", "list");
    assertThat(list.findValuesAsText("id")).contains(id);
    assertThat(json("lease", "keep-alive", id, "--once").get("ttl").asLong()).isEqualTo(120);

    json("lease", "revoke", id);
    assertThat(json("kv", "get", "leased/x")).isEmpty();
    assertThat(json("lease", "list").findValuesAsText("id")).doesNotContain(id);
  }

  @Test
  void clusterAndMaintenanceCommands() throws Exception {
    JsonNode members = json("member", "list");
    assertThat(members).hasSize(3);
    JsonNode status = json("endpoint", "status", "--cluster");
    assertThat(status).hasSize(3);
    assertThat(status.findValues("is_leader").stream().filter(JsonNode::asBoolean).count())
        .isEqualTo(1);
    assertThat(status.findValues("is_learner")).noneMatch(JsonNode::asBoolean);
    assertThat(status.findValuesAsText("errors")).containsOnly(""); // no alarm, a leader known
    JsonNode health = json("endpoint", "health", "--cluster");
    assertThat(health.findValues("health")).allMatch(JsonNode::asBoolean);

    long rev = json("kv", "put", "compact/me", "1").get("revision").asLong();
    json("kv", "put", "compact/me", "2");
    json("compaction", Long.toString(rev), "--physical");
    Cli.Run old = cairn("kv", "get", "compact/me", "--rev", Long.toString(rev - 1));
    assertThat(old.exit()).isEqualTo(1);
    assertThat(old.err()).contains("required revision has been compacted");

    assertThat(json("defrag", "--cluster")).hasSize(3);

    String follower = null;
    for (JsonNode s : status) {
      if (!s.get("is_leader").asBoolean()) {
        follower = s.get("id").asText();
      }
    }
    json("move-leader", follower);
    JsonNode after = json("endpoint", "status", "--cluster");
    String leader = null;
    for (JsonNode s : after) {
      if (s.get("is_leader").asBoolean()) {
        leader = s.get("id").asText();
      }
    }
    assertThat(leader).isEqualTo(follower);
  }

  /** Bad input: a one-line error and a non-zero exit. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "kv get with a future revision | kv get x --rev 99999999 | future revision",
        "lease ttl of an unknown lease  | lease ttl 1234           | not found",
        "lease revoke of an unknown one | lease revoke 1234        | lease not found",
        "an id that is not hex          | lease revoke zz          | not a lease id",
        "an unknown workload            | bench nope               | unknown workload",
        "an empty key                   | kv put '' v              | key is not provided",
        "promoting an unknown member    | member promote 2a        | member not found",
      })
  void badInputGivesAOneLineErrorAndNonZeroExit(String what, String command, String message) {
    String[] args =
        java.util.Arrays.stream(command.trim().split(" "))
            .map(a -> a.equals("''") ? "" : a)
            .toArray(String[]::new);
    Cli.Run r = cairn(args);
    assertThat(r.exit()).as(r.toString()).isNotZero();
    assertThat(r.err()).contains(message);
    assertThat(r.err().strip().lines().filter(l -> l.startsWith("error:")).count()).isEqualTo(1);
  }
}
