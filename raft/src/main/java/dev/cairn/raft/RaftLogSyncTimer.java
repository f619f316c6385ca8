package dev.cairn.raft;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.server.metrics.RaftLogMetricsBase;
import org.apache.ratis.server.metrics.SegmentedRaftLogMetrics;
import org.apache.ratis.thirdparty.com.codahale.metrics.MetricRegistry;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every fsync of a member's Raft log, as Ratis itself times it, for etcd's {@code
 * etcd_disk_wal_fsync_duration_seconds}.
 *
 * <p>Ratis's {@code SegmentedRaftLogWorker} times each flush of the log file ({@code
 * FileChannel.force}) with the timer {@code syncTime} of its {@code log_worker} registry ({@link
 * SegmentedRaftLogMetrics}), a Dropwizard timer that keeps only a sampled summary. The registry is
 * shared by reference count and Dropwizard hands back an existing timer of the same name, so a
 * timer registered under that name before the Raft server creates its log receives every sample,
 * and passes each one on. Hence {@link #track} must run before the server is built; {@link #close}
 * drops this reference to the registry (Ratis drops its own when the log closes).
 *
 * <pre>
 *   ratis.log_worker.&lt;peer&gt;@group-&lt;id&gt;.syncTime  ──update(ns)──▶  forwardTo(consumer)
 * </pre>
 */
final class RaftLogSyncTimer extends Timer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftLogSyncTimer.class);

  private final RatisMetricRegistry registry;
  private volatile LongConsumer forward = nanos -> {};

  private RaftLogSyncTimer(RatisMetricRegistry registry) {
    this.registry = registry;
  }

  /** Starts receiving the log syncs of {@code member}; call before its Raft server is built. */
  static RaftLogSyncTimer track(RaftGroupMemberId member) {
    RatisMetricRegistry registry = RaftLogMetricsBase.createRegistry(member);
    RaftLogSyncTimer timer = new RaftLogSyncTimer(registry);
    if (registry instanceof RatisMetricRegistryImpl impl) {
      var info = registry.getMetricRegistryInfo();
      String name =
          MetricRegistry.name(
              info.getApplicationName(),
              info.getMetricsComponentName(),
              info.getPrefix(),
              SegmentedRaftLogMetrics.RAFT_LOG_SYNC_TIME);
      impl.getDropWizardMetricRegistry().remove(name); // one left by an earlier start in this JVM
      impl.getDropWizardMetricRegistry().register(name, timer);
      if (impl.get(SegmentedRaftLogMetrics.RAFT_LOG_SYNC_TIME) == timer) {
        return timer;
      }
    }
    LOG.warn("{}: Raft log sync times not available from {}", member, registry);
    return timer;
  }

  /** Where each sync's duration, in nanoseconds, goes from now on. */
  void forwardTo(LongConsumer consumer) {
    forward = consumer;
  }

  @Override
  public void update(long duration, TimeUnit unit) {
    super.update(duration, unit);
    forward.accept(unit.toNanos(duration));
  }

  @Override
  public void close() {
    forward = nanos -> {};
    MetricRegistries.global().remove(registry.getMetricRegistryInfo());
  }
}
