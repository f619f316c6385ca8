package dev.cairn.raft;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The etcd API's calls as etcd counts them (go-grpc-prometheus, which etcd serves on /metrics):
 * {@code grpc_server_started_total}, {@code grpc_server_handled_total} with the status code, and
 * {@code grpc_server_handling_seconds} (etcd's with {@code --metrics=extensive}), each labelled
 * {@code grpc_type}, {@code grpc_service}, {@code grpc_method}. A call is timed from its start to
 * the status the server closes it with: for a unary call, the server's whole share of the request
 * (decoding, Raft, the store, encoding the reply); for a stream, its life.
 */
final class GrpcServerMetrics implements ServerInterceptor {
  /** Prometheus's default buckets, which go-grpc-prometheus uses. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private final MeterRegistry registry;
  private final Map<String, Counter> started = new ConcurrentHashMap<>();

  /** Per method and status code: the calls handled and how long they took. */
  private final Map<String, Handled> handled = new ConcurrentHashMap<>();

  private record Handled(Counter count, Timer time) {}

  GrpcServerMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    long start = System.nanoTime();
    started
        .computeIfAbsent(
            method.getFullMethodName(),
            m ->
                Counter.builder("grpc_server_started")
                    .description("Total number of RPCs started on the server.")
                    .tags(labels(method))
                    .register(registry))
        .increment();
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            Handled h = handled(method, status.getCode());
            h.count().increment();
            h.time().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            super.close(status, trailers);
          }
        },
        headers);
  }

  private Handled handled(MethodDescriptor<?, ?> method, Status.Code code) {
    return handled.computeIfAbsent(
        method.getFullMethodName() + "/" + code,
        k -> {
          Tags tags = Tags.of(labels(method)).and("grpc_code", codeName(code));
          return new Handled(
              Counter.builder("grpc_server_handled")
                  .description(
                      "Total number of RPCs completed on the server, regardless of success or"
                          + " failure.")
                  .tags(tags)
                  .register(registry),
              Timer.builder("grpc_server_handling_seconds")
                  .description(
                      "Histogram of response latency (seconds) of gRPC that had been"
                          + " application-level handled by the server.")
                  .tags(tags)
                  .serviceLevelObjectives(BUCKETS)
                  .register(registry));
        });
  }

  /** go-grpc-prometheus's labels: the call type and the service and method names. */
  private static String[] labels(MethodDescriptor<?, ?> method) {
    String service = method.getServiceName();
    String full = method.getFullMethodName();
    return new String[] {
      "grpc_type", type(method.getType()),
      "grpc_service", service == null ? "" : service,
      "grpc_method", full.substring(full.lastIndexOf('/') + 1)
    };
  }

  private static String type(MethodDescriptor.MethodType t) {
    return switch (t) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      case BIDI_STREAMING -> "bidi_stream";
      default -> "unknown";
    };
  }

  /** Go's names of the codes: OK, Canceled, NotFound, InvalidArgument, ... */
  static String codeName(Status.Code code) {
    switch (code) {
      case OK:
        return "OK";
      case CANCELLED:
        return "Canceled";
      default:
        StringBuilder b = new StringBuilder();
        for (String part : code.name().split("_")) {
          b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }
  }
}
