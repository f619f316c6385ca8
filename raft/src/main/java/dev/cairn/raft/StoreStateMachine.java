package dev.cairn.raft;

import dev.cairn.store.AppliedIndex;
import dev.cairn.store.ApplyBatch;
import dev.cairn.store.Command;
import dev.cairn.store.MvccStore;
import dev.cairn.store.Result;
import dev.cairn.store.StoreConfig;
import dev.cairn.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine over the store: decodes each committed log entry into a {@link Command}
 * and applies it in one store batch together with its log position.
 *
 * <p>Replay is idempotent: the store keeps its {@link AppliedIndex} with the data, so entries at or
 * below it are skipped. The store is always at or past the latest snapshot, because taking a
 * snapshot flushes the store.
 *
 * <p>Life cycle, as Ratis expects it when a leader sends a snapshot:
 *
 * <pre>
 *   initialize: NEW → STARTING → RUNNING     (open the live store; restore from the snapshot if behind)
 *   pause:      RUNNING → PAUSING → PAUSED   (close the live store)
 *   reinitialize: PAUSED → STARTING → RUNNING  (replace the live store by the installed snapshot)
 * </pre>
 *
 * Application errors ({@link StoreException}) go into the reply; anything else is a broken replica,
 * and Ratis stops the server.
 */
final class StoreStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(StoreStateMachine.class);

  /** Told about every applied command, on the apply thread (lease deadlines, metrics). */
  interface ApplyListener {
    void onApplied(Command command, Result result);

    /** The live store was replaced (snapshot installed): watchers on the old one are gone. */
    default void onStoreReplaced(MvccStore store) {}
  }

  /** Who answers read-only queries other than ranges (lease keep-alives, member info). */
  interface QueryHandler {
    CompletableFuture<byte[]> query(byte tag, byte[] body);
  }

  private final StoreConfig storeConfig;
  private final PendingMembers pendingMembers;
  private final SnapshotStore snapshots = new SnapshotStore();
  private final List<ApplyListener> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> leaderListeners = new CopyOnWriteArrayList<>();
  private volatile MvccStore store;
  private volatile QueryHandler queryHandler;
  private volatile java.util.function.LongConsumer applyTimer = nanos -> {};
  private final ApplyWaiters applyWaiters = new ApplyWaiters();
  private volatile RaftGroupMemberId member;
  private volatile java.util.function.LongConsumer commitTimer = nanos -> {};

  /** Log entries of commands applied since start (a batch counts once); written by apply only. */
  private volatile long commandEntriesApplied;

  StoreStateMachine(StoreConfig storeConfig, PendingMembers pendingMembers) {
    this.storeConfig = storeConfig;
    this.pendingMembers = pendingMembers;
  }

  PendingMembers pendingMembers() {
    return pendingMembers;
  }

  MvccStore store() {
    MvccStore s = store;
    if (s == null) {
      throw new NotServingException();
    }
    return s;
  }

  /** The store is closed: a snapshot is being installed, or the member is stopping. */
  static final class NotServingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotServingException() {
      super(
          "etcdserver: not serving: the member is loading a snapshot or stopping",
          null,
          false,
          false);
    }
  }

  long commandEntriesApplied() {
    return commandEntriesApplied;
  }

  void addListener(ApplyListener l) {
    listeners.add(l);
  }

  void onLeaderChange(Runnable r) {
    leaderListeners.add(r);
  }

  /** Told how long each apply took, in nanoseconds. */
  void setApplyTimer(java.util.function.LongConsumer timer) {
    applyTimer = timer;
  }

  /** Completes once this member has applied log index {@code index}. */
  CompletableFuture<Void> whenApplied(long index) {
    return applyWaiters.whenApplied(index);
  }

  @Override
  protected boolean updateLastAppliedTermIndex(TermIndex applied) {
    boolean updated = super.updateLastAppliedTermIndex(applied);
    applyWaiters.applied(applied.getIndex());
    return updated;
  }

  @Override
  protected void setLastAppliedTermIndex(TermIndex applied) {
    super.setLastAppliedTermIndex(applied);
    if (applyWaiters != null) { // null while BaseStateMachine's constructor sets the initial value
      applyWaiters.applied(applied.getIndex());
    }
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    CommitBroadcast.commitAdvanced(member); // a committed configuration or no-op entry
    super.notifyTermIndexUpdated(term, index);
  }

  /**
   * Told how long the store took to commit each applied batch (its one RocksDB write with the log
   * position), in nanoseconds.
   */
  void setCommitTimer(java.util.function.LongConsumer timer) {
    commitTimer = timer;
  }

  void setQueryHandler(QueryHandler h) {
    queryHandler = h;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.getLatestSnapshot();
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    member = RaftGroupMemberId.valueOf(server.getId(), groupId);
    snapshots.init(raftStorage);
    getLifeCycle().startAndTransition(this::openStore);
  }

  /** Opens the live store, restoring the latest snapshot first if the store is behind it. */
  private void openStore() throws IOException {
    SnapshotInfo snap = snapshots.reload();
    MvccStore s = MvccStore.open(storeConfig);
    if (snap != null && s.appliedIndex().index() < snap.getIndex()) {
      LOG.info(
          "store at {} is behind snapshot {}: restoring it", s.appliedIndex(), snap.getTermIndex());
      s.close();
      restore(snapshots.latestDir());
      s = MvccStore.open(storeConfig);
    }
    store = s;
    if (snap != null) {
      setLastAppliedTermIndex(snap.getTermIndex());
    }
    LOG.info(
        "{}: store open at revision {}, applied {}, snapshot {}",
        getId(),
        s.revision(),
        s.appliedIndex(),
        snap == null ? "none" : snap.getTermIndex());
    for (ApplyListener l : listeners) {
      l.onStoreReplaced(s);
    }
  }

  /**
   * Replaces the live store directory by a copy of a snapshot's checkpoint, and the membership
   * intents by the snapshot's.
   */
  private void restore(Path checkpoint) throws IOException {
    pendingMembers.replaceFrom(checkpoint);
    Path live = storeConfig.dir();
    SnapshotStore.deleteTree(live);
    Files.createDirectories(live);
    try (Stream<Path> files = Files.list(checkpoint)) {
      for (Path f : files.toList()) {
        if (f.toString().endsWith(".md5")
            || f.getFileName().toString().equals(PendingMembers.SNAPSHOT_FILE)
            || !Files.isRegularFile(f)) {
          continue;
        }
        Path target = live.resolve(f.getFileName().toString());
        try {
          // SST files are immutable: a hard link is a safe, instant copy when on one file system
          if (f.getFileName().toString().endsWith(".sst")) {
            Files.createLink(target, f);
            continue;
          }
        } catch (IOException | UnsupportedOperationException e) {
          // fall through to copying
        }
        Files.copy(f, target);
      }
    }
  }

  @Override
  public void pause() {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
      lc.transition(LifeCycle.State.PAUSING);
      closeStore();
      lc.transition(LifeCycle.State.PAUSED);
    }
  }

  @Override
  public void reinitialize() throws IOException {
    LifeCycle lc = getLifeCycle();
    lc.transition(LifeCycle.State.STARTING);
    SnapshotInfo snap = snapshots.reload();
    if (store != null) {
      closeStore();
    }
    if (snap != null) {
      LOG.info("{}: installing snapshot {}", getId(), snap.getTermIndex());
      restore(snapshots.latestDir());
    }
    openStore();
    lc.transition(LifeCycle.State.RUNNING);
  }

  private void closeStore() {
    MvccStore s = store;
    store = null;
    if (s != null) {
      try {
        s.flush();
      } finally {
        s.close();
      }
    }
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    // the followers learn the commit index now, while the leader applies (no-op on a follower)
    CommitBroadcast.commitAdvanced(member);
    LogEntryProto entry = trx.getLogEntry();
    long term = entry.getTerm();
    long index = entry.getIndex();
    MvccStore s = store();
    byte[] reply;
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    if (data.length > 0 && data[0] == PendingMembers.TAG) {
      // membership intent: not the store's, applied (idempotently) to the pending-member file
      pendingMembers.apply(data);
      reply = CommandCodec.tagged(CommandCodec.OK, new byte[0]);
    } else if (index <= s.appliedIndex().index()) {
      reply = new byte[0]; // replayed after a restart: the store already holds it
    } else if (CommandCodec.isBatch(data)) {
      List<byte[]> entries = CommandCodec.unbatch(data);
      List<Command> commands = new ArrayList<>(entries.size());
      for (byte[] e : entries) {
        commands.add(CommandCodec.decode(e));
      }
      reply = CommandCodec.batch(apply(s, commands, new AppliedIndex(term, index)));
    } else {
      reply = apply(s, List.of(CommandCodec.decode(data)), new AppliedIndex(term, index)).get(0);
    }
    updateLastAppliedTermIndex(term, index);
    return CompletableFuture.completedFuture(
        Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
  }

  /**
   * Applies commands in one store batch, each at its own revision, committed together with the log
   * position; then tells the listeners. A refused command's reply is its error.
   */
  private List<byte[]> apply(MvccStore s, List<Command> commands, AppliedIndex applied) {
    List<byte[]> replies = new ArrayList<>(commands.size());
    Result[] results = new Result[commands.size()];
    long started = System.nanoTime();
    try (ApplyBatch batch = s.newBatch()) {
      for (int i = 0; i < commands.size(); i++) {
        try {
          results[i] = batch.apply(commands.get(i));
          replies.add(CommandCodec.encodeResult(results[i]));
        } catch (StoreException e) {
          replies.add(CommandCodec.encodeError(e));
        }
      }
      long committing = System.nanoTime();
      batch.commit(applied);
      commitTimer.accept(System.nanoTime() - committing);
    }
    commandEntriesApplied++;
    applyTimer.accept(System.nanoTime() - started);
    for (int i = 0; i < commands.size(); i++) {
      if (results[i] == null) {
        continue;
      }
      for (ApplyListener l : listeners) {
        try {
          l.onApplied(commands.get(i), results[i]);
        } catch (RuntimeException e) {
          LOG.warn("apply listener failed", e);
        }
      }
    }
    return replies;
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] q = request.getContent().toByteArray();
    try {
      if (q.length > 0 && q[0] == Query.BARRIER) {
        return done(CommandCodec.tagged(CommandCodec.OK, new byte[0]));
      }
      QueryHandler h = queryHandler;
      if (h == null || q.length == 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("no query handler"));
      }
      return h.query(q[0], CommandCodec.body(q)).thenApply(StoreStateMachine::message);
    } catch (StoreException e) {
      return done(CommandCodec.encodeError(e));
    }
  }

  private static CompletableFuture<Message> done(byte[] reply) {
    return CompletableFuture.completedFuture(message(reply));
  }

  private static Message message(byte[] b) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(b));
  }

  @Override
  public long takeSnapshot() throws IOException {
    MvccStore s = store;
    TermIndex applied = getLastAppliedTermIndex();
    if (s == null || applied == null || applied.getIndex() < 0) {
      return -1;
    }
    SnapshotInfo prev = snapshots.getLatestSnapshot();
    if (prev != null && prev.getIndex() >= applied.getIndex()) {
      return prev.getIndex();
    }
    Path tmp = snapshots.tmpDirFor(applied);
    SnapshotStore.deleteTree(tmp);
    s.checkpoint(tmp); // also flushes, so the live store never falls behind this snapshot
    s.flush();
    pendingMembers.saveTo(tmp);
    Files.move(tmp, snapshots.dirFor(applied));
    snapshots.published(applied);
    LOG.info("{}: snapshot {} at store revision {}", getId(), applied, s.revision());
    return applied.getIndex();
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    leaderListeners.forEach(Runnable::run);
  }

  @Override
  public void close() throws IOException {
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState().isClosingOrClosed()) {
      return;
    }
    applyWaiters.close();
    if (member != null) {
      CommitBroadcast.forget(member);
    }
    lc.checkStateAndClose(this::closeStore);
  }
}
