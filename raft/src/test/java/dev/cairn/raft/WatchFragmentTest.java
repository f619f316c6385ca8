package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Large watch responses, on the wire: a watch cuts its responses at about 1 MiB but only where a
 * revision ends; a watch created with {@code fragment} may cut inside a revision and marks every
 * piece but the revision's last with {@code fragment = true} (etcd's field 7, unknown to jetcd).
 *
 * <pre>
 *   revision r: 4 puts × 350 KB (one txn)  →  plain watch: 1 response of 4 events
 *                                              fragment watch: [3 events, fragment] [1 event]
 * </pre>
 */
class WatchFragmentTest {
  @RegisterExtension
  static final CairnClusterExtension CLUSTER = CairnClusterExtension.withNodes(1);

  static ManagedChannel channel;

  @BeforeAll
  static void connect() throws Exception {
    CLUSTER.cluster().awaitLeader(java.time.Duration.ofSeconds(30));
    URI e = URI.create(CLUSTER.cluster().endpoint(0));
    channel =
        NettyChannelBuilder.forAddress(e.getHost(), e.getPort())
            .usePlaintext()
            .maxInboundMessageSize(8 << 20)
            .build();
  }

  @AfterAll
  static void disconnect() {
    channel.shutdownNow();
  }

  private static List<WatchResponse> watch(boolean fragment, int events) throws Exception {
    List<WatchResponse> got = new CopyOnWriteArrayList<>();
    StreamObserver<WatchRequest> requests =
        WatchGrpc.newStub(channel)
            .watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse r) {
                    got.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    WatchCreateRequest.Builder create =
        WatchCreateRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("big/"))
            .setRangeEnd(ByteString.copyFromUtf8("big0"))
            .setStartRevision(1);
    if (fragment) {
      create.setUnknownFields(
          UnknownFieldSet.newBuilder()
              .addField(8, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
              .build());
    }
    requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
    Await.until(
        Duration.ofSeconds(30),
        () -> got.stream().mapToInt(WatchResponse::getEventsCount).sum() >= events);
    requests.onCompleted();
    return got.stream().filter(r -> r.getEventsCount() > 0).toList();
  }

  private static boolean fragmentFlag(WatchResponse r) {
    UnknownFieldSet.Field f = r.getUnknownFields().getField(7);
    return f != null && f.getVarintList().contains(1L);
  }

  @Test
  void responsesAreCutAtRevisionsUnlessTheWatchAsksForFragments() throws Exception {
    ByteString value = ByteString.copyFrom(new byte[350 * 1024]);
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < 4; i++) {
      txn.addSuccess(
          RequestOp.newBuilder()
              .setRequestPut(
                  PutRequest.newBuilder()
                      .setKey(ByteString.copyFromUtf8("big/" + i))
                      .setValue(value)));
    }
    long revision = KVGrpc.newBlockingStub(channel).txn(txn.build()).getHeader().getRevision();

    List<WatchResponse> plain = watch(false, 4);
    assertThat(plain).hasSize(1);
    assertThat(plain.get(0).getEventsCount()).isEqualTo(4);
    assertThat(fragmentFlag(plain.get(0))).isFalse();

    List<WatchResponse> pieces = watch(true, 4);
    assertThat(pieces).hasSize(2);
    assertThat(pieces.get(0).getEventsCount()).isEqualTo(3);
    assertThat(fragmentFlag(pieces.get(0))).isTrue();
    assertThat(pieces.get(1).getEventsCount()).isEqualTo(1);
    assertThat(fragmentFlag(pieces.get(1))).isFalse();
    assertThat(pieces)
        .allSatisfy(
            r ->
                assertThat(r.getEventsList())
                    .allMatch(e -> e.getKv().getModRevision() == revision));
  }
}
