package dev.cairn.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic log: batch {@code i} is a pure function of {@code i} and the store's state, so a
 * store that crashed and re-applies the batches after its applied index ends where a store that
 * never crashed does. Puts, range deletes, multi-key txns, leases with keys and revokes, and a
 * compaction now and then.
 */
final class CommandStream {
  static final int KEYS = 300;

  private CommandStream() {}

  static List<Command> batch(long i, long currentRevision) {
    Random rnd = new Random(i * 7919 + 17);
    List<Command> out = new ArrayList<>();
    int n = 1 + rnd.nextInt(6);
    for (int c = 0; c < n; c++) {
      String k = "key/" + rnd.nextInt(KEYS);
      int kind = rnd.nextInt(20);
      if (kind < 12) {
        out.add(Bytes.put(k, "v" + i + "." + c + "-" + "x".repeat(rnd.nextInt(40))));
      } else if (kind < 14) {
        out.add(Bytes.del(k, k + "5"));
      } else if (kind < 17) {
        out.add(
            new Command.Txn(
                List.of(Compare.version(Bytes.b(k), Compare.Result.GREATER, 1)),
                List.of(Bytes.put(k, "t" + i), Bytes.put(k + "/t", "t" + i)),
                List.of(Bytes.del(k + "/t"))));
      } else if (kind < 19) {
        long id = i * 10 + c + 1;
        out.add(new Command.LeaseGrant(id, 60));
        out.add(Bytes.put(k + "/l", "l" + i).withLease(id));
        if (rnd.nextBoolean()) {
          out.add(new Command.LeaseRevoke(id));
        }
      } else if (currentRevision > 100 && i % 50 == 0) {
        out.add(new Command.Compact(currentRevision - 50, true));
      }
    }
    return out;
  }

  /** Applies batch {@code i} and commits it with its log position. */
  static void apply(MvccStore store, long i) {
    try (ApplyBatch batch = store.newBatch()) {
      for (Command c : batch(i, store.revision())) {
        try {
          batch.apply(c);
        } catch (StoreException refused) {
          // deterministic too: every replica refuses the same command
        }
      }
      batch.commit(new AppliedIndex(1, i));
    }
  }
}
