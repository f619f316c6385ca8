package dev.cairn.raft.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.linearizability.LinearizabilityChecker;
import dev.cairn.raft.linearizability.Op;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checker on a history recorded by the suite (KILL_ALL, 744 operations, 14 of them unknown,
 * with the final reads of every key through every member): it is linearizable as recorded, and
 * stops being so when one final read is made to return a value overwritten long before — the lost
 * acknowledged write the final reads are there to catch.
 */
class RecordedHistoryTest {
  static List<Op> recorded() throws Exception {
    return FaultRun.HistoryFile.read(resource("/jepsen/kill-all-history.tsv"));
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(RecordedHistoryTest.class.getResource(name).toURI());
  }

  @Test
  void aRecordedRunIsLinearizable() throws Exception {
    List<Op> ops = recorded();
    assertThat(ops).hasSize(744);
    assertThat(new LinearizabilityChecker().check(ops).result())
        .isEqualTo(LinearizabilityChecker.Result.OK);
  }

  @Test
  void aFinalReadOfAnOverwrittenValueIsNot() throws Exception {
    List<Op> ops = new ArrayList<>(recorded());
    // client 100 reads /j/k0 through n1 after the heal; c3-2 was the key's first value
    int i = indexOf(ops, 100, "/j/k0");
    Op read = ops.get(i);
    assertThat(read.output()).isEqualTo("c1-169");
    ops.set(i, Op.get(100, "/j/k0", "c3-2", read.called(), read.returned()));
    LinearizabilityChecker.Verdict v = new LinearizabilityChecker().check(ops);
    assertThat(v.result()).isEqualTo(LinearizabilityChecker.Result.VIOLATION);
    assertThat(v.key()).isEqualTo("/j/k0");
  }

  @Test
  void aFinalReadOfAnAbsentKeyIsNot() throws Exception {
    List<Op> ops = new ArrayList<>(recorded());
    int i = indexOf(ops, 101, "/j/k4");
    Op read = ops.get(i);
    assertThat(read.output()).isNotNull();
    ops.set(i, Op.get(101, "/j/k4", null, read.called(), read.returned()));
    assertThat(new LinearizabilityChecker().check(ops).result())
        .isEqualTo(LinearizabilityChecker.Result.VIOLATION);
  }

  static int indexOf(List<Op> ops, int client, String key) {
    for (int i = 0; i < ops.size(); i++) {
      if (ops.get(i).client() == client && ops.get(i).key().equals(key)) {
        return i;
      }
    }
    throw new AssertionError("no read of " + key + " by client " + client);
  }
}
