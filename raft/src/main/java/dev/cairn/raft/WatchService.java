package dev.cairn.raft;

import dev.cairn.store.Command;
import dev.cairn.store.CompactedException;
import dev.cairn.store.Event;
import dev.cairn.store.MvccStore;
import dev.cairn.store.Result;
import dev.cairn.store.WatchListener;
import dev.cairn.store.Watcher;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd's Watch service: one bidirectional stream carries many watches, each a store {@link Watcher}
 * fed from this member's applied state.
 *
 * <p>Backpressure: a listener returns false once gRPC's outbound buffer is full; the stream's
 * on-ready handler resumes every watcher paused that way. When a leader replaces this member's
 * store by a snapshot, every stream is ended with UNAVAILABLE, and clients re-create their watches
 * from the revision they had reached.
 */
final class WatchService extends WatchGrpc.WatchImplBase
    implements StoreStateMachine.ApplyListener {
  /** Responses are cut at about this size (etcd's clients accept 2 MiB by default). */
  private static final int MAX_RESPONSE_BYTES = 1 << 20;

  /**
   * etcd's {@code WatchCreateRequest.fragment = 8} and {@code WatchResponse.fragment = 7}: jetcd's
   * generated messages predate them, so they travel as unknown fields.
   */
  private static final int CREATE_FRAGMENT_FIELD = 8;

  private static final com.google.protobuf.UnknownFieldSet FRAGMENT =
      com.google.protobuf.UnknownFieldSet.newBuilder()
          .addField(7, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build())
          .build();
  private static final com.google.protobuf.UnknownFieldSet NO_FIELDS =
      com.google.protobuf.UnknownFieldSet.getDefaultInstance();

  static boolean fragmentRequested(WatchCreateRequest c) {
    com.google.protobuf.UnknownFieldSet.Field f =
        c.getUnknownFields().getField(CREATE_FRAGMENT_FIELD);
    return f != null && f.getVarintList().stream().anyMatch(v -> v != 0);
  }

  private final CairnNode node;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();

  WatchService(CairnNode node) {
    this.node = node;
    node.stateMachine().addListener(this);
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
    Stream s = new Stream((ServerCallStreamObserver<WatchResponse>) out);
    streams.add(s);
    return s;
  }

  @Override
  public void onApplied(Command command, Result result) {}

  @Override
  public void onStoreReplaced(MvccStore store) {
    for (Stream s : streams) {
      s.abort("etcdserver: member store replaced by a snapshot");
    }
  }

  /** Watch streams open on this member. */
  int openStreams() {
    return streams.size();
  }

  /**
   * The member stops: every watch stream ends with UNAVAILABLE and etcd's words, which clients take
   * as "try another member" and resume there. (gRPC's own shutdown resets the streams, which a
   * client sees as CANCELLED, and jetcd does not retry a canceled watch.)
   */
  void stopping() {
    for (Stream s : streams) {
      s.abort("etcdserver: server stopped");
    }
  }

  private final class Stream implements StreamObserver<WatchRequest> {
    private final ServerCallStreamObserver<WatchResponse> out;
    private final Map<Long, Watcher> watchers = new ConcurrentHashMap<>();
    private final Set<Long> paused = ConcurrentHashMap.newKeySet();
    private final Object progressLock = new Object();
    private Map<Long, Boolean> progressPending;
    private long progressMin;
    private long nextId;
    private boolean closed;

    Stream(ServerCallStreamObserver<WatchResponse> out) {
      this.out = out;
      out.setOnReadyHandler(this::resumePaused);
      out.setOnCancelHandler(this::closeAll);
    }

    @Override
    public void onNext(WatchRequest request) {
      switch (request.getRequestUnionCase()) {
        case CREATE_REQUEST -> create(request.getCreateRequest());
        case CANCEL_REQUEST -> cancel(request.getCancelRequest().getWatchId());
        case PROGRESS_REQUEST ->
            send(
                WatchResponse.newBuilder()
                    .setHeader(node.header(node.store().revision()))
                    .setWatchId(-1)
                    .build());
        default -> {}
      }
    }

    private void create(WatchCreateRequest c) {
      long id;
      synchronized (this) {
        id = nextId++;
      }
      boolean noPut = false;
      boolean noDelete = false;
      for (WatchCreateRequest.FilterType f : c.getFiltersList()) {
        noPut |= f == WatchCreateRequest.FilterType.NOPUT;
        noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
      }
      MvccStore store = node.store();
      send(
          WatchResponse.newBuilder()
              .setHeader(node.header(store.revision()))
              .setWatchId(id)
              .setCreated(true)
              .build());
      try {
        Listener listener = new Listener(id, fragmentRequested(c));
        Watcher w =
            store.watch(
                new dev.cairn.store.WatchRequest(
                    c.getKey().toByteArray(),
                    c.getRangeEnd().toByteArray(),
                    c.getStartRevision(),
                    c.getPrevKv(),
                    noPut,
                    noDelete),
                listener);
        watchers.put(id, w);
        if (listener.compacted) {
          // the hub canceled it before watch() returned
          watchers.remove(id);
        } else if (paused.contains(id)) {
          // its first delivery filled the stream before watch() returned: the on-ready handler
          // may already have run and found no watcher to resume
          resumePaused();
        }
      } catch (CompactedException e) {
        canceled(id, e.compactRevision(), EtcdErrors.toStatus(e).getStatus().getDescription());
      } catch (RuntimeException e) {
        canceled(id, 0, String.valueOf(EtcdErrors.toStatus(e).getStatus().getDescription()));
      }
    }

    private void cancel(long id) {
      paused.remove(id);
      Watcher w = watchers.remove(id);
      if (w != null) {
        w.close();
      }
      answered(id, Long.MAX_VALUE);
      canceled(id, 0, null);
    }

    /**
     * A progress request: once every watcher of the stream has delivered all its events up to some
     * revision, one header-only response (watch id -1) carries the smallest such revision. Requests
     * that arrive while one is pending join it.
     */
    private void progress() {
      synchronized (progressLock) {
        if (progressPending != null) {
          return;
        }
        if (watchers.isEmpty()) {
          sendProgress(node.store().revision());
          return;
        }
        progressPending = new ConcurrentHashMap<>();
        progressMin = Long.MAX_VALUE;
        for (Long id : watchers.keySet()) {
          progressPending.put(id, Boolean.TRUE);
        }
      }
      for (Map.Entry<Long, Watcher> e : watchers.entrySet()) {
        e.getValue().requestProgress();
      }
    }

    private void answered(long id, long revision) {
      long min;
      synchronized (progressLock) {
        if (progressPending == null || progressPending.remove(id) == null) {
          return;
        }
        progressMin = Math.min(progressMin, revision);
        if (!progressPending.isEmpty()) {
          return;
        }
        progressPending = null;
        min = progressMin == Long.MAX_VALUE ? node.store().revision() : progressMin;
      }
      sendProgress(min);
    }

    private void sendProgress(long revision) {
      send(WatchResponse.newBuilder().setHeader(node.header(revision)).setWatchId(-1).build());
    }

    private void canceled(long id, long compactRevision, String reason) {
      WatchResponse.Builder b =
          WatchResponse.newBuilder()
              .setHeader(node.header(node.store().revision()))
              .setWatchId(id)
              .setCanceled(true)
              .setCompactRevision(compactRevision);
      if (reason != null) {
        b.setCancelReason(reason);
      }
      send(b.build());
    }

    /** Sends one response; returns whether gRPC can take more now. */
    private boolean send(WatchResponse r) {
      synchronized (out) {
        if (closed) {
          return true;
        }
        out.onNext(r);
        return out.isReady();
      }
    }

    private void resumePaused() {
      for (Long id : paused) {
        Watcher w = watchers.get(id);
        // a watch still being created stays paused; create() resumes it once it is known
        if (w != null && paused.remove(id)) {
          w.resume();
        }
      }
    }

    void abort(String reason) {
      synchronized (out) {
        if (!closed) {
          closed = true;
          out.onError(Status.UNAVAILABLE.withDescription(reason).asRuntimeException());
        }
      }
      closeAll();
    }

    private void closeAll() {
      streams.remove(this);
      watchers.values().forEach(Watcher::close);
      watchers.clear();
    }

    @Override
    public void onError(Throwable t) {
      closeAll();
    }

    @Override
    public void onCompleted() {
      closeAll();
      synchronized (out) {
        if (!closed) {
          closed = true;
          out.onCompleted();
        }
      }
    }

    private final class Listener implements WatchListener {
      private final long id;
      private final boolean fragment;
      private volatile boolean compacted;

      Listener(long id, boolean fragment) {
        this.id = id;
        this.fragment = fragment;
      }

      @Override
      /**
       * Sends events in responses of about {@link #MAX_RESPONSE_BYTES}. A response is cut only
       * where a revision ends, so every response holds whole revisions; a watch created with {@code
       * fragment} may also be cut inside a revision, and then every piece but the last of that
       * revision carries {@code fragment = true}, as etcd's clients expect to reassemble it.
       */
      public boolean onEvents(List<Event> events) {
        boolean ready = true;
        WatchResponse.Builder b = null;
        int size = 0;
        for (int i = 0; i < events.size(); i++) {
          Event e = events.get(i);
          if (b == null) {
            b = WatchResponse.newBuilder().setWatchId(id);
            size = 0;
          }
          io.etcd.jetcd.api.Event pe = EtcdProtos.toProto(e);
          b.addEvents(pe);
          size += pe.getSerializedSize();
          boolean revisionEnds =
              i + 1 == events.size() || events.get(i + 1).revision() != e.revision();
          if (size >= MAX_RESPONSE_BYTES && (revisionEnds || fragment)) {
            ready =
                send(
                    b.setHeader(node.header(e.revision()))
                        .setUnknownFields(revisionEnds ? NO_FIELDS : FRAGMENT)
                        .build());
            b = null;
          }
        }
        if (b != null) {
          ready = send(b.setHeader(node.header(events.get(events.size() - 1).revision())).build());
        }
        if (!ready) {
          paused.add(id);
          // the on-ready handler may have run between isReady() and add(): check again
          if (out.isReady()) {
            paused.remove(id);
            return true;
          }
        }
        return ready;
      }

      @Override
      public void onProgress(long revision) {
        answered(id, revision);
      }

      @Override
      public void onCompacted(long compactRevision) {
        compacted = true;
        watchers.remove(id);
        answered(id, Long.MAX_VALUE);
        canceled(id, compactRevision, "etcdserver: mvcc: required revision has been compacted");
      }
    }
  }
}
